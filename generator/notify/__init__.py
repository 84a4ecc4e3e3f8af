"""第一时间报告、催报 (SPEC §9): ``shangbao notify`` and ``shangbao remind``.

- ``settings``: the ``site_url:`` and ``notify:`` keys of ``_org.yml`` (checked with the rest of it);
- ``events``: what happened — reports that arrived or changed in a git range, periodic reports
  due soon or missing;
- ``messages``: the Chinese text of each message, per platform, within its size limit;
- ``channels``: sending — WeCom, DingTalk, Feishu, plain webhooks (urllib) and e-mail (smtplib);
- ``run``: the two commands, which tie the above together.

Kept light: ``config`` imports ``settings`` while reading ``_org.yml``.
"""
