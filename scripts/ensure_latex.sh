#!/usr/bin/env bash
# Install what the PDF of the book needs when it is missing (Debian, as root):
# XeLaTeX with the LaTeX packages Sphinx and sphinx-jupyterbook-latex load, latexmk,
# the FreeFont fonts Sphinx sets XeLaTeX in, rsvg-convert for the SVG figures and
# poppler-utils (pdftotext, pdfinfo, pdfimages) for tests/test_pdf.py.
# --no-install-recommends keeps it to about 120 MB of downloads (373 MB installed);
# the recommended packages would double it and add nothing the book uses.
set -euo pipefail
packages=(texlive-xetex texlive-latex-recommended texlive-latex-extra
          texlive-fonts-recommended latexmk fonts-freefont-otf librsvg2-bin poppler-utils)
missing=0
for tool in xelatex latexmk kpsewhich rsvg-convert pdftotext pdfinfo pdfimages; do
    command -v "$tool" >/dev/null || missing=1
done
if [ $missing -eq 0 ]; then
    # Style files from each TeX package of the list (latex-extra, latex-recommended,
    # fonts-recommended, xetex), and the font.
    for file in changepage.sty fncychap.sty mathrsfs.sty ucharclasses.sty unicode-math.sty; do
        [ -n "$(kpsewhich "$file")" ] || missing=1
    done
    fc-list FreeSerif | grep -q . || missing=1
fi
[ $missing -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "error: the PDF needs XeLaTeX and friends; install the Debian packages" \
         "${packages[*]} (or their equivalents) and run again" >&2
    exit 1
fi
echo "installing the LaTeX tool chain for the PDF (${packages[*]}; about 2 minutes) ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
