"""The machine: services, kernel and swap settings, users, certificates, the registry
(Windows), the Android SDK, and programs that describe files and binaries."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program


PROGRAMS: tuple[Program, ...] = (
    Program("xvfb", {"*": "toolchain"}),
    Program("update-alternatives", {"*": "toolchain"}),
    Program("systemctl", {"status": "metadata", "is-active": "metadata", "*": "toolchain"}),
    Program("service", {"*": "toolchain"}),
    Program("sysctl", {"-n": "metadata", "*": "toolchain"}),
    Program("ulimit", {"*": "toolchain"}),
    Program("swapon", {"*": "toolchain"}),
    Program("mkswap", {"*": "toolchain"}),
    Program("fallocate", {"*": "toolchain"}),
    Program("modprobe", {"*": "toolchain"}),
    Program("update-crypto-policies", {"--show": "metadata", "*": "toolchain"}),
    # what Debian's build machinery and Cygwin say about the machine
    Program("dpkg-architecture", {"*": "metadata"}),
    Program("cygcheck", {"*": "metadata"}),
    # udev rules (`udevadm control --reload-rules`, `trigger`): device access for the job
    Program("udevadm", {"info": "metadata", "*": "toolchain"}),
    # macOS `security`: keychains hold the signing identities a job is given
    Program("security", {"find-identity": "metadata", "find-certificate": "metadata",
            "list-keychains": "metadata", "show-keychain-info": "metadata",
            "find-generic-password": "credentials", "*": "credentials"}),
    # FreeBSD's modprobe
    Program("kldload", {"*": "toolchain"}),
    Program("kldstat", {"*": "metadata"}),
    Program("ifconfig", {"*": "metadata"}),
    Program("wg", {"show": "metadata", "showconf": "metadata", "*": "toolchain"}),
    Program("wg-quick", {"*": "toolchain"}),
    # the Android SDK's tools: they install SDK parts and prepare emulators
    Program("android", {"list": "metadata", "*": "toolchain"}),
    Program("useradd", {"*": "toolchain"}),
    Program("groupadd", {"*": "toolchain"}),
    Program("adduser", {"*": "toolchain"}),
    Program("usermod", {"*": "toolchain"}),
    # macOS `defaults write com.apple.dt.Xcode ...`: settings of the machine
    Program("defaults", {"read": "metadata", "*": "toolchain"}),
    Program("locale-gen", {"*": "toolchain"}),
    Program("ldconfig", {"*": "toolchain"}),
    Program("update-ca-certificates", {"*": "toolchain"}),
    Program("setx", {"*": "toolchain"}),
    # cmd.exe's `path C:\tool;%PATH%` sets the search path (as `set PATH=`)
    Program("path", {"*": "toolchain"}),
    Program("reg", {"query": "metadata", "*": "toolchain"}),
    Program("dir", {"*": "metadata"}),
    Program("tree", {"*": "metadata"}),
    Program("file", {"*": "metadata"}),
    Program("stat", {"*": "metadata"}),
    Program("ldd", {"*": "metadata"}),
    Program("otool", {"*": "metadata"}),
    Program("objdump", {"*": "metadata"}),
    Program("nm", {"*": "metadata"}),
    Program("readelf", {"*": "metadata"}),
    Program("dumpbin", {"*": "metadata"}),
)
