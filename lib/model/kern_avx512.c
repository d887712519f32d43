// SPDX-License-Identifier: MIT
/*
 * kern_avx512.c - the model layer's CPU kernels (kern_tmpl.h) built for the avx512
 * instruction set (lib/model.mk gives this file its flags).
 */
#define KERN_NAME avx512
#define KERN_LABEL "avx512"
#include "kern_tmpl.h"
