/* emu-glibc — a dynamically linked glibc app for tests/e2e/emu-glibc.sh:
 * proves the interpreter and libraries eif/mkeif packs are enough. */
#include <gnu/libc-version.h>
#include <stdio.h>

int main(void)
{
	printf("emu-glibc: hello from glibc %s\n", gnu_get_libc_version());
	return 0;
}
