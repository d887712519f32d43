// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpq_test_device.c - devices and DRM files for the KUnit tests.
 *
 * The device is the driver's own (fpq_device_init(), the real drm_driver, the real
 * scheduler) on a platform device bound to a dummy driver; only the registers are the
 * card model's. DRM files come from the DRM core's drm_file_alloc(), which is not
 * exported: these tests need the driver built in (Kconfig says so).
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>

#include "../fpq_drv.h"
#include "fpq_test_device.h"

static int fpq_test_probe(struct platform_device *pdev)
{
	return 0;
}

static struct platform_driver fpq_test_driver = {
	.probe = fpq_test_probe,
	.driver = { .name = "fpq-kunit" },
};

/**
 * fpq_test_suite_init() - register the dummy platform driver; use as suite_init.
 * @suite: the suite.
 *
 * Return: 0 or a negative errno.
 */
int fpq_test_suite_init(struct kunit_suite *suite)
{
	return platform_driver_register(&fpq_test_driver);
}

/**
 * fpq_test_suite_exit() - unregister it; use as suite_exit.
 * @suite: the suite.
 */
void fpq_test_suite_exit(struct kunit_suite *suite)
{
	platform_driver_unregister(&fpq_test_driver);
}

/**
 * fpq_test_case_exit() - close what a test left open (it failed an assertion); use as
 * the suite's exit.
 * @test: the test.
 */
void fpq_test_case_exit(struct kunit *test)
{
	struct fpq_test_device *td = test->priv;
	unsigned int i;

	if (!td || td->destroyed)
		return;
	for (i = 0; i < ARRAY_SIZE(td->files); i++)
		if (td->files[i])
			fpq_test_file_close(td, td->files[i]);
	fpq_test_device_destroy(td);
}

/**
 * fpq_test_device_create() - bring up a device with the card model.
 * @test: the test (fails it on error).
 * @autorun: the model runs jobs as soon as the doorbell rings and raises its interrupt.
 *
 * Return: the device; fpq_test_device_destroy() ends it.
 */
struct fpq_test_device *fpq_test_device_create(struct kunit *test, bool autorun)
{
	struct fpq_test_device *td;
	int err;

	td = kunit_kzalloc(test, sizeof(*td), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, td);
	td->test = test;
	td->pdev = platform_device_register_simple("fpq-kunit", PLATFORM_DEVID_AUTO, NULL, 0);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(td->pdev), "platform device: %ld",
			       PTR_ERR(td->pdev));
	err = dma_coerce_mask_and_coherent(&td->pdev->dev, DMA_BIT_MASK(52));
	KUNIT_EXPECT_EQ(test, err, 0);

	td->fdev = devm_drm_dev_alloc(&td->pdev->dev, &fpq_drm_driver, struct fpq_device, drm);
	if (IS_ERR(td->fdev)) {
		platform_device_unregister(td->pdev);
		KUNIT_ASSERT_FAILURE(test, "drm device: %ld", PTR_ERR(td->fdev));
	}
	fpq_fake_card_init(&td->card, &td->pdev->dev);
	td->card.fdev = td->fdev;
	td->card.autorun = autorun;
	td->fdev->dma_dev = &td->pdev->dev;
	td->fdev->hw.ops = &fpq_fake_card_ops;
	td->fdev->hw.priv = &td->card;
	err = fpq_device_init(td->fdev);
	if (!err)
		err = drm_dev_register(&td->fdev->drm, 0);
	if (err) {
		fpq_test_device_destroy(td);
		KUNIT_ASSERT_FAILURE(test, "fpq_device_init: %d", err);
	}
	test->priv = td;
	return td;
}

/**
 * fpq_test_device_unplug() - what PCI removal does.
 * @td: the device.
 */
void fpq_test_device_unplug(struct fpq_test_device *td)
{
	if (td->unplugged)
		return;
	td->unplugged = true;
	drm_dev_unplug(&td->fdev->drm);
	fpq_device_unplug(td->fdev);
	fpq_fake_card_fini(&td->card);
}

/**
 * fpq_test_device_destroy() - unplug and free the device (when its files are closed).
 * @td: the device.
 */
void fpq_test_device_destroy(struct fpq_test_device *td)
{
	struct fpq_stats *s = &td->fdev->stats;
	unsigned int i, open = 0;

	if (td->destroyed)
		return;
	td->destroyed = true;
	fpq_test_device_unplug(td);
	/*
	 * With every file closed and the device removed, every job and buffer must go
	 * (the scheduler frees jobs asynchronously).
	 */
	for (i = 0; i < ARRAY_SIZE(td->files); i++)
		open += !!td->files[i];
	for (i = 0; !open && i < 100; i++) {
		if (!atomic64_read(&s->jobs_live) && !atomic64_read(&s->bos_live))
			break;
		msleep(20);
	}
	if (!open) {
		KUNIT_EXPECT_EQ_MSG(td->test, atomic64_read(&s->jobs_live), 0ll, "jobs leaked");
		KUNIT_EXPECT_EQ_MSG(td->test, atomic64_read(&s->bos_live), 0ll, "buffers leaked");
	}
	platform_device_unregister(td->pdev);
}

/**
 * fpq_test_file_open() - a DRM file on the device's render node, as open() makes it.
 * @test: the test.
 * @td: the device.
 *
 * Return: the file; close it with fpq_test_file_close().
 */
struct drm_file *fpq_test_file_open(struct kunit *test, struct fpq_test_device *td)
{
	struct drm_file *file = drm_file_alloc(td->fdev->drm.render);
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	for (i = 0; i < ARRAY_SIZE(td->files); i++) {
		if (!td->files[i]) {
			td->files[i] = file;
			return file;
		}
	}
	drm_file_free(file);
	KUNIT_ASSERT_FAILURE(test, "more than %zu files", ARRAY_SIZE(td->files));
	return NULL;
}

/**
 * fpq_test_file_close() - what the last close() of the file does.
 * @td: the device.
 * @file: the file.
 */
void fpq_test_file_close(struct fpq_test_device *td, struct drm_file *file)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(td->files); i++)
		if (td->files[i] == file)
			td->files[i] = NULL;
	drm_file_free(file);
}
