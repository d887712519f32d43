// SPDX-License-Identifier: MIT
/*
 * kern_avx2.c - the model layer's CPU kernels (kern_tmpl.h) built for the avx2
 * instruction set (lib/model.mk gives this file its flags).
 */
#define KERN_NAME avx2
#define KERN_LABEL "avx2"
#include "kern_tmpl.h"
