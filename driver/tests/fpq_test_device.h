/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpq_test_device.h - a real fpq_device on a platform device, with the card model in
 * place of the card, for the KUnit tests (6.1 has no drm_kunit_helpers).
 */
#ifndef FPQ_TEST_DEVICE_H
#define FPQ_TEST_DEVICE_H

#include <kunit/test.h>

#include "fpq_fake_card.h"

struct drm_file;
struct drm_minor;
struct fpq_device;
struct platform_device;

/* From drivers/gpu/drm/drm_internal.h (not exported; the tests are built in). */
struct drm_file *drm_file_alloc(struct drm_minor *minor);
void drm_file_free(struct drm_file *file);

/**
 * struct fpq_test_device - a device under test.
 * @pdev: the platform device it hangs off.
 * @fdev: the driver's device.
 * @card: the card model behind its registers.
 * @unplugged: fpq_test_device_unplug() ran.
 * @destroyed: fpq_test_device_destroy() ran.
 * @files: files opened with fpq_test_file_open() and not closed yet.
 * @test: the test that created it.
 */
struct fpq_test_device {
	struct platform_device *pdev;
	struct fpq_device *fdev;
	struct fpq_fake_card card;
	bool unplugged;
	bool destroyed;
	struct drm_file *files[4];
	struct kunit *test;
};

int fpq_test_suite_init(struct kunit_suite *suite);
void fpq_test_suite_exit(struct kunit_suite *suite);
void fpq_test_case_exit(struct kunit *test);
struct fpq_test_device *fpq_test_device_create(struct kunit *test, bool autorun);
void fpq_test_device_unplug(struct fpq_test_device *td);
void fpq_test_device_destroy(struct fpq_test_device *td);
struct drm_file *fpq_test_file_open(struct kunit *test, struct fpq_test_device *td);
void fpq_test_file_close(struct fpq_test_device *td, struct drm_file *file);

#endif /* FPQ_TEST_DEVICE_H */
