"""MkDocs hooks for the offline site (see mkdocs.yml): keep notebook pages from loading anything from the internet."""
import re

# nbconvert's lab template always emits a MathJax loader (we render math as MathML instead, see scripts/docs) and a
# Mermaid module import from a CDN; neither may be fetched by an offline site.
_MATHJAX = re.compile(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->', re.S)
_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*?</script>', re.S)

def on_page_content(html, page, config, files):
    if page.file.src_uri.endswith('.ipynb'):
        html = _MERMAID.sub('', _MATHJAX.sub('', html))
    return html
