"""Prints where the llmgate package installs, relative to an install prefix.

Usage: python3 site_packages.py PREFIX

The interpreter's own site-packages when it lies under PREFIX (Debian's python3 with the
default prefix /usr/local: lib/python3.X/dist-packages, which is on its sys.path); else the
layout the interpreter uses for a prefix of its own (lib/python3.X/site-packages, or
lib/python3/dist-packages for Debian's /usr). The path is relative so that
`cmake --install --prefix OTHER` moves it along.
"""
import os
import sys
import sysconfig

prefix = os.path.abspath(sys.argv[1])
own = sysconfig.get_path("platlib")
if os.path.commonpath([own, prefix]) == prefix:
    print(os.path.relpath(own, prefix))
else:
    scheme = "posix_prefix"
    if prefix == "/usr" and "deb_system" in sysconfig.get_scheme_names():
        scheme = "deb_system"
    path = sysconfig.get_path("platlib", scheme, vars={"base": prefix, "platbase": prefix})
    print(os.path.relpath(path, prefix))
