# vtm: the two commands of the README, and a few more.
#   make demo    boot-free demonstration until the guest harness lands
#   make check   every test (unit tests of the core, qtests)
.PHONY: all build check check-unit check-qtest demo clean

all: build

build:
	scripts/build-qemu.sh

check:
	scripts/check.sh

check-unit:
	scripts/check.sh unit

check-qtest:
	scripts/check.sh qtest

demo:
	scripts/demo.sh

clean:
	rm -rf build
