import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assembleRaw, run, runVirt128, SYSTEM_OFF_SRC, withTempDir } from "../test/cli.js";
import { parseRunOptions } from "./run.js";

describe("armature run: options are checked before anything starts", () => {
  it("needs --machine and --kernel", async () => {
    expect((await run(["run"])).err).toMatch(/--machine is required/);
    expect((await run(["run", "--machine", "virt"])).err).toMatch(/--kernel FILE is required/);
    expect((await run(["run", "--machine", "virt"])).code).toBe(2);
  });

  it("rejects unknown options, machines, layouts and impossible values with exit 2", async () => {
    for (const args of [
      ["--frob"],
      ["--machine", "pc"],
      ["--machine", "virt", "--layout", "x86"],
      ["--machine", "virt", "--smp", "two"],
      ["--machine", "virt", "--net", "slirp"],
      ["--machine", "virt", "--iommu", "vt-d"],
      ["--machine", "virt", "--sata", "a.img,rw"],
      ["--machine", "virt", "--cdrom"],
      ["--machine", "virt", "--net", "user,frob=1"],
      ["--machine", "virt", "--kernel", "/nonexistent/Image", "--display", "vnc=:5900"],
      ["--machine", "virt", "--kernel", "/nonexistent/Image", "--screendump", "a.png"],
      ["--machine", "virt", "--disk", "a.img,rw"],
      ["--machine", "virt", "--kernel"],
    ]) {
      const r = await run(["run", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
  });

  it("leaves range checks to the board's configuration error (exit 1), before reading any file", async () => {
    for (const [args, msg] of [
      [["--smp", "9"], /cpus must be an integer in 1\.\.8, not 9/],
      [["--memory", "12"], /memoryMiB must be an integer in 64\.\.4096, not 12/],
    ] as const) {
      const r = await run(["run", "--machine", "virt", "--kernel", "/nonexistent/Image", ...args]);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err).toMatch(msg);
    }
  });

  it("names a missing file and exits 1", async () => {
    const r = await run(["run", "--machine", "virt", "--kernel", "/nonexistent/Image"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kernel "\/nonexistent\/Image" does not exist or is not readable/);
  });

  it("parses a full command line", async () => {
    await withTempDir("armature-run-", async (dir) => {
      for (const f of ["Image", "initrd", "disk.img"]) writeFileSync(join(dir, f), "x");
      const o = parseRunOptions([
        "--machine",
        "virt",
        "--layout",
        "qemu",
        "--kernel",
        join(dir, "Image"),
        "--initrd",
        join(dir, "initrd"),
        "--append",
        "console=hvc0",
        "--disk",
        `${join(dir, "disk.img")},ro`,
        "--net",
        "none",
        "--smp",
        "4",
        "--memory",
        "512",
        "--deterministic",
        "--no-rtc",
        "--iommu",
        "smmuv3",
      ]);
      expect(o).toMatchObject({
        machine: "virt",
        layout: "qemu",
        append: "console=hvc0",
        disk: { readOnly: true },
        net: { kind: "none" },
        iommu: "smmuv3",
        smp: 4,
        memoryMiB: 512,
        deterministic: true,
        rtc: false,
        uart: true,
      });
    });
  });

  it("--bios (qemu layout) boots firmware without --kernel; --efi-vars needs --bios", async () => {
    await withTempDir("armature-run-", async (dir) => {
      writeFileSync(join(dir, "CODE.fd"), "x");
      const q = ["--machine", "virt", "--layout", "qemu"];
      expect(
        parseRunOptions([...q, "--bios", join(dir, "CODE.fd"), "--efi-vars", join(dir, "v.fd")]),
      ).toMatchObject({
        bios: join(dir, "CODE.fd"),
        efiVars: join(dir, "v.fd"),
        biosAcpi: true,
      });
      // --acpi [on|off]: with --bios, off leaves ACPI out (the firmware gives the OS the DT).
      const bios = [...q, "--bios", join(dir, "CODE.fd")];
      expect(parseRunOptions([...bios, "--acpi", "off"])).toMatchObject({ biosAcpi: false });
      expect(parseRunOptions([...bios, "--acpi", "--smp", "2"])).toMatchObject({ biosAcpi: true, smp: 2 });
      expect(parseRunOptions([...bios, "--acpi", "on"])).not.toHaveProperty("uefi");
      expect((await run(["run", ...bios, "--acpi", "maybe"])).err).toMatch(/unknown option "maybe"/);
      // bootindex=N: the firmware's boot order, lowest first (the disk, then AHCI ports in order).
      const img = join(dir, "d.img");
      writeFileSync(img, Buffer.alloc(4096));
      expect(
        parseRunOptions([
          ...bios,
          "--disk",
          `${img},bootindex=2`,
          "--sata",
          img,
          "--cdrom",
          `${img},bootindex=0`,
        ]),
      ).toMatchObject({ bootOrder: [{ kind: "sata", port: 1 }, { kind: "disk" }], cdrom: [img] });
      expect(parseRunOptions([...bios, "--disk", img])).not.toHaveProperty("bootOrder");
      expect((await run(["run", ...q, "--kernel", img, "--disk", `${img},bootindex=1`])).err).toMatch(
        /bootindex= .* add --bios/,
      );
      expect(
        (await run(["run", ...bios, "--disk", `${img},bootindex=1`, "--sata", `${img},ro,bootindex=1`])).err,
      ).toMatch(/two devices have bootindex=1/);
      expect((await run(["run", ...bios, "--disk", `${img},bootindex=x`])).err).toMatch(/must be an integer/);
      expect((await run(["run", ...q, "--efi-vars", "v.fd", "--kernel", join(dir, "CODE.fd")])).err).toMatch(
        /--efi-vars .* add --bios/,
      );
      const vz = await run(["run", "--machine", "virt", "--bios", join(dir, "CODE.fd")]);
      expect(vz.err).toMatch(/layout "qemu"/);
      expect(vz.code).toBe(1);
      // A corrupt variable store is refused before the firmware could reformat it, and kept.
      const bad = Buffer.alloc(64 * 1024 * 1024);
      bad.write("_FVH", 0x28, "latin1");
      writeFileSync(join(dir, "bad.fd"), bad);
      const r = await run(["run", ...q, "--bios", join(dir, "CODE.fd"), "--efi-vars", join(dir, "bad.fd")]);
      expect(r.err).toMatch(/bad\.fd is corrupt: firmware volume header/);
      expect(r.code).toBe(1);
      expect(readFileSync(join(dir, "bad.fd")).equals(bad)).toBe(true);
    });
  });

  it("--iommu is a board option: dtb and acpi describe the SMMU too, and the default is none", async () => {
    await withTempDir("armature-run-", async (dir) => {
      writeFileSync(join(dir, "Image"), "x");
      expect(parseRunOptions(["--machine", "virt", "--kernel", join(dir, "Image")])).toMatchObject({
        iommu: "none",
      });
      const dts = await run(["dtb", "--machine", "virt", "--iommu", "smmuv3"]);
      expect(dts.code).toBe(0);
      expect(dts.out).toMatch(/smmuv3@20080000 \{[^}]*compatible = "arm,smmu-v3"/);
      expect(dts.out).toMatch(/iommu-map = </);
      expect((await run(["dtb", "--machine", "virt"])).out).not.toMatch(/smmu/);
      const acpi = await run(["acpi", "--out", join(dir, "acpi"), "--machine", "virt", "--iommu", "smmuv3"]);
      expect(acpi.code).toBe(0);
      expect(
        readFileSync(join(dir, "acpi", "IORT.dat"))
          .subarray(0, 4)
          .toString(),
      ).toBe("IORT");
    });
  });

  it("--sata (repeatable, FILE[,ro]) and --cdrom (repeatable) fill the AHCI ports: disks, then drives", async () => {
    await withTempDir("armature-run-", async (dir) => {
      for (const f of ["Image", "a.img", "b.img", "x.iso"]) writeFileSync(join(dir, f), "x");
      const k = ["--machine", "virt", "--kernel", join(dir, "Image")];
      const o = parseRunOptions([
        ...k,
        "--cdrom",
        join(dir, "x.iso"),
        "--sata",
        join(dir, "a.img"),
        "--sata",
        `${join(dir, "b.img")},ro`,
      ]);
      expect(o).toMatchObject({
        sata: [
          { path: join(dir, "a.img"), readOnly: false },
          { path: join(dir, "b.img"), readOnly: true },
        ],
        cdrom: [join(dir, "x.iso")],
      });
      expect(parseRunOptions(k)).toMatchObject({ sata: [], cdrom: [] });
      const missing = await run(["run", ...k, "--sata", join(dir, "none.img")]);
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/SATA disk image ".*none\.img" does not exist/);
      // The image itself is checked before the machine is built: 2048 zero bytes are no ISO 9660/UDF.
      writeFileSync(join(dir, "zero.iso"), new Uint8Array(2048 * 20));
      const notIso = await run(["run", ...k, "--cdrom", join(dir, "zero.iso")]);
      expect(notIso.code).toBe(1);
      expect(notIso.err).toMatch(/zero\.iso is not an ISO 9660 or UDF image/);
    });
  });

  it("--gpu with --display vnc=HOST:PORT and --screendump FILE, --usb and --camera; a bad --display is a ConfigError", async () => {
    await withTempDir("armature-run-", async (dir) => {
      writeFileSync(join(dir, "Image"), "x");
      const k = ["--machine", "virt", "--kernel", join(dir, "Image")];
      expect(
        parseRunOptions([...k, "--gpu", "--display", "vnc=:5901", "--screendump", "s.png"]),
      ).toMatchObject({
        gpu: true,
        display: { kind: "vnc", host: "127.0.0.1", port: 5901 },
        screendump: "s.png",
      });
      expect(parseRunOptions(k)).toMatchObject({ gpu: false, display: { kind: "none" } });
      expect(parseRunOptions([...k, "--usb"])).toMatchObject({ usb: true, camera: false });
      expect(parseRunOptions([...k, "--camera"])).toMatchObject({ usb: true, camera: true });
      expect(parseRunOptions(k)).toMatchObject({ usb: false, camera: false, usbDevices: [] });
      expect(
        parseRunOptions([...k, "--usb-device", "keyboard", "--usb-device", "camera,file=f.yuv,size=320x240"]),
      ).toMatchObject({
        usb: true,
        usbDevices: [{ kind: "keyboard" }, { kind: "camera", file: "f.yuv", width: 320, height: 240 }],
      });
      expect(() => parseRunOptions([...k, "--usb-device", "printer"])).toThrow(
        /use keyboard, mouse, tablet or camera/,
      );
      expect(() => parseRunOptions([...k, "--usb-device", "mouse,file=x"])).toThrow(
        /unknown setting "file=x"/,
      );
      expect(() => parseRunOptions([...k, "--usb-device", "camera,size=9"])).toThrow(/is not WxH/);
      expect(() => parseRunOptions([...k, "--usb-device", "camera,size=640x480"])).toThrow(/add file=FRAMES/);
      // Five devices: the board's configuration error (4 USB 3 ports), exit 1, one line.
      const many = await run(["run", ...k, ...Array(5).fill(["--usb-device", "mouse"]).flat()]);
      expect(many.code).toBe(1);
      expect(many.err).toMatch(/5 devices: the xHCI has 4 USB 3 ports/);
      // Frames that are not whole 640x480 YUY2 frames: the camera's configuration error.
      writeFileSync(join(dir, "bad.yuv"), new Uint8Array(1000));
      const frames = await run(["run", ...k, "--usb-device", `camera,file=${join(dir, "bad.yuv")}`]);
      expect(frames.code).toBe(1);
      expect(frames.err).toMatch(/not a whole number of 640x480 frames/);
      const bad = await run(["run", ...k, "--gpu", "--display", "sdl"]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/--display "sdl": use none or vnc=HOST:PORT/);
    });
  });

  it("boots a bare-metal binary to PSCI SYSTEM_OFF and exits 0, writing the DTB it generated and a screendump", async () => {
    await withTempDir("armature-run-", async (dir) => {
      // A two-instruction kernel assembled by GNU as: x0 = SYSTEM_OFF; hvc #0.
      assembleRaw(dir, SYSTEM_OFF_SRC);
      const r = await runVirt128([
        join(dir, "k.bin"),
        "--dump-dtb",
        join(dir, "out.dtb"),
        "--gpu",
        "--display",
        "vnc=127.0.0.1:0",
        "--screendump",
        join(dir, "screen.png"),
        "--camera",
      ]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/VNC on 127\.0\.0\.1:\d+/);
      // The GPU's (never drawn: black) 1024x768 screen as PNG, written when the machine stopped.
      const png = readFileSync(join(dir, "screen.png"));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1024, 768]);
      const dts = execFileSync("dtc", ["-I", "dtb", "-O", "dts", "-q", join(dir, "out.dtb")]).toString();
      expect(dts).toMatch(/arm,psci-1\.0/);
      expect(readFileSync(join(dir, "out.dtb")).readUInt32BE(0)).toBe(0xd00dfeed);
    });
  });
});

describe("armature run --net", () => {
  const kernelFile = (dir: string): string => {
    // x0 = SYSTEM_OFF; hvc #0: the machine stops at once.
    assembleRaw(dir, SYSTEM_OFF_SRC);
    return join(dir, "k.bin");
  };

  it("defaults to the user network and parses user, socket and none specs", async () => {
    await withTempDir("armature-run-", async (dir) => {
      writeFileSync(join(dir, "Image"), "x");
      const base = ["--machine", "virt", "--kernel", join(dir, "Image")];
      expect(parseRunOptions(base)).toMatchObject({ net: { kind: "user", options: {} } });
      expect(
        parseRunOptions([
          ...base,
          "--net",
          "user,dns=10.0.2.3,hostname=g,hostfwd=tcp::2222-:22,hostfwd=udp:127.0.0.1:5353-10.0.2.15:53",
          "--net-dump",
          join(dir, "n.pcap"),
        ]),
      ).toMatchObject({
        net: {
          kind: "user",
          options: {
            dns: "10.0.2.3",
            hostname: "g",
            hostForwards: [
              { protocol: "tcp", hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22 },
              {
                protocol: "udp",
                hostAddress: "127.0.0.1",
                hostPort: 5353,
                guestAddress: "10.0.2.15",
                guestPort: 53,
              },
            ],
          },
        },
        netDump: join(dir, "n.pcap"),
      });
      expect(
        parseRunOptions([...base, "--net", "socket,local=127.0.0.1:10001,remote=127.0.0.1:10002"]),
      ).toMatchObject({
        net: { kind: "socket", options: { local: "127.0.0.1:10001", remote: "127.0.0.1:10002" } },
      });
      expect(parseRunOptions([...base, "--net", "none"])).toMatchObject({ net: { kind: "none" } });
    });
  });

  it("reports bad specs as usage errors (exit 2) and TAP as unavailable (exit 1), without a stack trace", async () => {
    for (const [spec, msg] of [
      ["slirp", /--net "slirp" is not a network backend \(known: user, socket, none\)/],
      ["user,frob=1", /unknown option "frob"/],
      ["user,hostfwd=tcp:2222:22", /hostfwd "tcp:2222:22" must look like/],
      ["socket,local=127.0.0.1:1", /needs local=HOST:PORT and remote=HOST:PORT/],
      ["none,x=1", /--net none takes no options/],
    ] as const) {
      const r = await run(["run", "--machine", "virt", "--kernel", "/nonexistent/Image", "--net", spec]);
      expect(r.code, spec).toBe(2);
      expect(r.err, spec).toMatch(msg);
      expect(r.err, spec).not.toMatch(/\n\s+at /);
    }
    const dump = await run([
      "run",
      "--machine",
      "virt",
      "--kernel",
      "/x",
      "--net",
      "none",
      "--net-dump",
      "a.pcap",
    ]);
    expect(dump.code).toBe(2);
    expect(dump.err).toMatch(/--net-dump needs a network/);
    const tap = await run(["run", "--machine", "virt", "--kernel", "/x", "--net", "tap,ifname=tap0"]);
    expect(tap.code).toBe(1);
    expect(tap.err).toMatch(/TAP needs native code/);
  });

  it("names impossible addresses and an unwritable capture file (exit 1) before the guest starts", async () => {
    await withTempDir("armature-run-", async (dir) => {
      const k = kernelFile(dir);
      const bad = await runVirt128([k, "--net", "user,dns=192.168.1.3"]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/DNS address 192\.168\.1\.3 is outside the network 10\.0\.2\.0\/24/);
      const dump = await runVirt128([k, "--net-dump", join(dir, "no", "n.pcap")]);
      expect(dump.code).toBe(1);
      expect(dump.err).toMatch(/--net-dump .*does not exist; create it first/);
    });
  });

  it("writes a pcap file and closes the network when the machine stops (a host forward's port is free again)", async () => {
    await withTempDir("armature-run-", async (dir) => {
      const k = kernelFile(dir);
      const port = await freePort();
      const r = await runVirt128([
        k,
        "--net",
        `user,hostfwd=tcp:127.0.0.1:${port}-:22`,
        "--net-dump",
        join(dir, "n.pcap"),
      ]);
      expect(r.code).toBe(0);
      const pcap = readFileSync(join(dir, "n.pcap"));
      expect(pcap.length).toBe(24); // the global header; the guest sent nothing
      expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
      expect(pcap.readUInt32LE(20)).toBe(1); // LINKTYPE_ETHERNET
      // The forward's listener is closed: the port can be bound again.
      await new Promise((r) => setTimeout(r, 100));
      await listenOnce(port);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}

function listenOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(port, "127.0.0.1", () => s.close(() => resolve()));
  });
}
