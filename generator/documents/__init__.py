"""Written documents in the national 公文 layout (GB/T 9704-2012, SPEC §10): a report
(``shangbao export``), the period's 情况通报 (``summary --format docx|pdf``) and the 信息简报
(``shangbao bulletin``), as DOCX (python-docx) and PDF (LibreOffice headless).

``layout`` is the page and its parts; ``report``, ``notice`` and ``bulletin`` one kind of
document each; ``pdf`` the conversion; ``commands`` what the CLI calls.
"""
