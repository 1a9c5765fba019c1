"""Code that runs inside the sandbox, beside the student's code.

Nothing here may import the grader's host side: these modules are loaded in the
sandboxed process (the runner, the warm zygote, the conversion of probe results to
plain data, the helpers probes use) and use only ``d2lgrade.protocol``, the standard
library and what the notebook itself imports.
"""
