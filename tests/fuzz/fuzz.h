/* The fuzz targets (tests/fuzz/fuzz-*.c): each defines LLVMFuzzerTestOneInput. Built twice: with
 * libFuzzer's main (configure --enable-fuzzing, clang; tools/fuzz runs them), and with
 * standalone.c's, which feeds them files (tests/fuzz/regress.sh: the seeds and every input that
 * once found a bug, in every make check). A target aborts on a broken invariant, so that both
 * builds report it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a file the loaders can open by path: "/proc/self/fd/N" of a memfd holding it, or
 * NULL when it cannot be made. fuzz_file_close() closes the last one. */
const char *fuzz_file(const uint8_t *data, size_t size);
void fuzz_file_close(void);

/* abort() with a message when cond is false */
#define FUZZ_ASSERT(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));
