"""shangbao — 信息上报: reports in git, checked, summed up and published as a site."""

__version__ = "0.1.0"
