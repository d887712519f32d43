# SPDX-License-Identifier: MIT
"""fpqvm: the co-simulation VM launcher's parts (tools/fpq-vm is the command)."""
