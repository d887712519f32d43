# SPDX-License-Identifier: MIT
"""The whole CNN (placeholder until written)."""


def cnn_cases():
    return []
