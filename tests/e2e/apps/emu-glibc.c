/* emu-glibc — a dynamically linked glibc app for tests/e2e/emu-glibc.sh:
 * proves the interpreter and libraries eif/mkeif packs are enough. */
#include <gnu/libc-version.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

int main(void)
{
	printf("emu-glibc: hello from glibc %s\n", gnu_get_libc_version());
	fflush(stdout);
	/* The app is the console's session leader: its exit hangs the tty up,
	 * which discards output the UART has not sent yet. */
	tcdrain(STDOUT_FILENO);
	return 0;
}
