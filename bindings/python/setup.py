"""Builds the handoff Python module with the project's CMake build.

    python3 -m pip install --no-build-isolation ./bindings/python

Needs cmake, a C++20 compiler, pybind11 and the library's dependencies
(scripts/setup.sh installs them from Debian); downloads nothing.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def version():
    text = (ROOT / "include/handoff/version.hpp").read_text()
    parts = [re.search(rf"#define HANDOFF_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = pathlib.Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DHANDOFF_BUILD_BINDINGS=ON",
            "-DHANDOFF_BUILD_TESTS=OFF",
            "-DHANDOFF_BUILD_EXAMPLES=OFF",
            "-DHANDOFF_BUILD_CLI=OFF",
            "-DHANDOFF_INSTALL=OFF",
            f"-DPython_EXECUTABLE={sys.executable}",
        ]
        if shutil.which("ninja"):
            configure += ["-G", "Ninja"]
        if shutil.which("ccache"):
            configure += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"]
        subprocess.check_call(configure)
        jobs = os.environ.get("JOBS", str(os.cpu_count() or 2))
        subprocess.check_call(["cmake", "--build", str(build_dir), "--target", "handoff_python", "-j", jobs])
        built = next((build_dir / "bindings/python/handoff").glob("_handoff*"))
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(built, target)


setup(
    name="handoff",
    version=version(),
    description="The bot side of customer support, and the handoff to a human",
    license="MIT",
    packages=["handoff"],
    package_data={"handoff": ["__init__.pyi", "py.typed"]},
    ext_modules=[CMakeExtension("handoff._handoff")],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    zip_safe=False,
)
