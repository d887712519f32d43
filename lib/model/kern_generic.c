// SPDX-License-Identifier: MIT
/*
 * kern_generic.c - the model layer's CPU kernels (kern_tmpl.h) built for the generic
 * instruction set (lib/model.mk gives this file its flags).
 */
#define KERN_NAME generic
#define KERN_LABEL "generic"
#include "kern_tmpl.h"
