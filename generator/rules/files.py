"""R1xx: the file itself — encoding, front matter, YAML, size, place in the repository.

These are raised by ``generator.reader`` while it reads the bytes; they are defined here so
that message and documentation live in one place.
"""

from .base import rule

R101 = rule(
    "R101", "error", "文件不是 UTF-8 编码",
    "{detail}",
    """
报告文件必须以 UTF-8 编码保存。用 Windows 记事本、WPS 或旧版 Office 另存的文本常常是
GBK/GB18030 编码，网站无法正确显示其中的汉字。

**怎么改**：用编辑器打开文件，选择“另存为”，编码选 **UTF-8**（VS Code：右下角点编码 →
“通过编码保存” → UTF-8；记事本：“另存为”对话框底部的“编码”选 UTF-8）。

检查程序若发现文件能按 GBK/GB18030 读出，会直接说明，并指出第一处无法按 UTF-8 读取的行；
记事本、Word 另存时选的“Unicode”是 UTF-16 编码，也会直接说明。
""",
    scope="file",
)

R102 = rule(
    "R102", "warning", "文件开头有 BOM",
    "文件以 UTF-8 BOM（字节顺序标记）开头；内容照常读取，但请另存为“UTF-8（无 BOM）”",
    """
有些编辑器（如 Windows 记事本）保存 UTF-8 文件时会在开头加上三个看不见的字节（BOM）。
文件仍能读取，但 BOM 会让部分工具把第一行 `---` 认错。

**怎么改**：另存为时选择“UTF-8”而不是“UTF-8 带 BOM”（VS Code：“通过编码保存” → UTF-8）。
""",
    scope="file",
)

R103 = rule(
    "R103", "error", "缺少元数据块",
    "{detail}",
    """
每份报告以元数据块（front matter）开头：第一行是三个减号 `---`，然后是“键: 值”，
再以一行 `---` 结束，之后才是正文。

```markdown
---
title: 收费站火情初报
type: incident
...
---

## 基本情况
```

**怎么改**：确认文件第一行就是 `---`（前面不能有空行或其他文字），并在元数据之后补上结束的 `---`。
""",
    scope="file",
)

R104 = rule(
    "R104", "error", "YAML 语法错误",
    "元数据语法错误：{detail}",
    """
元数据块按 YAML 格式书写。常见错误：

- 键和值之间少了英文冒号或冒号后没有空格：`title:标题` 应为 `title: 标题`；
- 值里含有“: ”（英文冒号加空格）却没加引号：`title: 通报: 火情` 应为 `title: "通报: 火情"`；
- 缩进不一致：同一层的键必须左对齐，缩进只能用空格；
- 同一个键写了两次；
- 使用了 YAML 锚点/别名（`&`、`*`）：报告里不需要，为安全起见不允许。

检查程序给出的行号和列号是 **整个文件** 中的位置。
""",
    scope="file",
)

R105 = rule(
    "R105", "error", "元数据中使用了全角符号或 Tab",
    "{detail}",
    """
YAML 只认英文（半角）冒号和空格。中文输入法下容易打出全角冒号 `：`、全角空格 `　`，
或用 Tab 键缩进，这些都会让元数据无法读取。

**怎么改**：切换到英文输入法，把键后面的 `：` 改成 `: `（英文冒号加一个空格），
把全角空格和 Tab 改成普通空格。值里的全角冒号（如标题中的“关于：”）不受影响。

```yaml
title：收费站火情    # 错：全角冒号
title: 收费站火情    # 对
```
""",
    scope="file",
)

R106 = rule(
    "R106", "error", "元数据不是“键: 值”映射",
    "{detail}",
    """
元数据块必须是一组“键: 值”，不能是一段文字、一个列表或空块。

**怎么改**：参照 `shangbao new` 生成的模板，每行写一个 `键: 值`。
""",
    scope="file",
)

R107 = rule(
    "R107", "error", "文件过大",
    "文件大小 {size} 超过上限 {limit}；请精简正文，图片、附件不要直接放进报告",
    """
单个报告文件不能超过上限（默认 1 MiB，办公室可在 `_org.yml` 的 `limits.file_size` 中调整）。
过大的文件通常是粘贴了整份表格或把图片转成了文字。

**怎么改**：正文只写要点；大表格请概括成关键数字，原始材料按单位档案管理办法另行归档。
""",
    scope="file",
)

R108 = rule(
    "R108", "error", "文件位置不对",
    "{detail}",
    """
报告必须放在 `submissions/<单位id>/<年份>/<文件名>.md`，年份是报送时间（`reported_at`）所在的年份。
例如安监股 2026 年 11 月 27 日的报告：`submissions/anjianke/2026/2026-11-27-收费站火情.md`。

**怎么改**：用 `git mv` 把文件移到正确的文件夹；以 `_` 或 `.` 开头的文件和文件夹不算报告。
""",
    scope="file",
)

R109 = rule(
    "R109", "error", "不是普通文件",
    "{detail}",
    """
`submissions/` 下只能放普通文件和普通文件夹。符号链接（symlink）、命名管道（FIFO）、设备文件、
套接字都不是报告：检查程序 **不会打开、也不会跟随** 它们（符号链接可能指向仓库之外的文件，
或指向 `/dev/zero` 这类读不完的东西；命名管道会让读取一直等下去），只报告这一条错误。
读不了的文件夹（权限不够）也在这里报告：其中的报告既没有检查，也不会计入汇总，
所以不能悄悄跳过。

**怎么改**：把符号链接换成文件本身（`git rm` 链接，再把报告复制进来并 `git add`）；删除管道、
设备等特殊文件；文件夹读不了时请管理员修正权限（如 `chmod -R u+rwX,go+rX submissions`）。
""",
    scope="file",
)
