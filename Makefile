# vtm: the two commands of the README, and a few more.
#   make demo    boot a Linux guest on vtm-iommu, do DMA, show what vtm saw
#   make check   every test (unit tests of the core, vtm-replay runs, qtests,
#                Linux guests) and the checkpatch lint of every vtm C file
#   make bench   vtm against intel-iommu and no IOMMU (docs/performance.md);
#                BENCH_RUNS=1 BENCH_QUICK=1 make bench for a smoke test
#   make fidelity  the timing model's presets beside pcie-bench's published
#                latency and bandwidth, no guest (docs/performance.md)
#   make fuzz    the libFuzzer harnesses of tests/fuzz, FUZZ_SECONDS each
#                (default 300); keeps the corpus and crash inputs
#   make fuzz-generic  QEMU's generic-fuzz on vtm-iommu + edu, FUZZ_RUNS
#                inputs (default 1000000; builds build/qemu-fuzz first)
#   make soak    guest scenarios again and again on vtm and intel-iommu
#                (SOAK_RUNS=N runs each, default: about an hour)
#   make asan    the check layer under ASan+UBSan (check-asan)
.PHONY: all build check check-unit check-tools check-qtest check-guest \
	check-lint check-slow demo bench clean fuzz soak asan check-asan \
	check-fuzz fidelity fuzz-generic

all: build

build:
	scripts/build-qemu.sh

check:
	scripts/check.sh

check-unit:
	scripts/check.sh unit

check-tools:
	scripts/check.sh tools

check-qtest:
	scripts/check.sh qtest

check-guest:
	scripts/check.sh guest

check-lint:
	scripts/check.sh lint

# A Linux guest with 288 vCPUs (APIC IDs above 255: x2APIC with EIM) on an
# IR-only unit, every CPU online: minutes under TCG, so not in `check`.
# lpj and tsc=reliable skip per-CPU calibration and TSC sync loops that
# cost TCG seconds each (without them the boot takes hours).
check-slow: build
	VTM_OPTS=intremap=on,eim=on,dma-translation=off \
	    scripts/guest/run.sh ir-many --timeout 3600 --name ir-many-288 \
	    --append "vtm.cpus=288 lpj=4000000 tsc=reliable" \
	    -- -smp 288 -cpu qemu64,+x2apic

demo:
	scripts/demo.sh

bench:
	BENCH_COMMAND="make bench" scripts/bench/bench.sh

fidelity:
	scripts/fidelity.sh

clean:
	rm -rf build

fuzz:
	scripts/fuzz.sh run

fuzz-generic:
	scripts/fuzz-generic.sh $(FUZZ_RUNS)

soak:
	scripts/soak.sh

asan check-asan:
	scripts/check.sh asan

check-fuzz:
	scripts/check.sh fuzz
