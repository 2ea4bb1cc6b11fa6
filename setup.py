"""Packaging of the `archive` add-on.

`profiles/` and `content-types/` live at the top of the repository (the layout card asks
for it) but must ship inside the package: src/archive holds symlinks to them for
editable installs, and build_py copies the real directories into wheels and sdists.
"""
import os
import shutil

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
SHIPPED_DIRS = ("profiles", "content-types")


class BuildWithProfiles(build_py):
    def run(self):
        super().run()
        for name in SHIPPED_DIRS:
            target = os.path.join(self.build_lib, "archive", name)
            if os.path.islink(target) or os.path.isfile(target):
                os.unlink(target)
            elif os.path.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(os.path.join(HERE, name), target)


setup(
    name="archive",
    version="0.1.0",
    description="Electronic archive of a provincial public administration service centre (Plone 6 add-on)",
    long_description=open(os.path.join(HERE, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="GPL-2.0-only",
    python_requires=">=3.11",
    package_dir={"": "src"},
    # Namespace packages too: the data-only directories (templates, locales) are packages
    # to setuptools, which warns that it will stop shipping them otherwise. The profiles
    # are copied in whole by build_py below.
    packages=find_namespace_packages("src", include=["archive", "archive.*"],
                                     exclude=["archive.profiles", "archive.profiles.*", "archive.content-types"]),
    include_package_data=True,
    package_data={"archive": ["*.zcml", "**/*.zcml", "**/*.pt", "locales/*/LC_MESSAGES/*.po", "locales/*.pot",
                               "browser/static/*"]},
    exclude_package_data={"archive": ["profiles", "content-types"]},
    cmdclass={"build_py": BuildWithProfiles},
    zip_safe=False,
    install_requires=[
        "Products.CMFPlone>=6.2,<6.3",
        "plone.app.contenttypes",
        "plone.api",
        "plone.restapi",
        "plone.app.dexterity",
        "plone.supermodel",
        "holidays",
        "lxml",
        "signxml",
        "pybase64",
        "cryptography",
        "requests",
        "pypdf",
        "fpdf2",
        "qrcode",
        "celery",
        "redis",
        "openpyxl",
    ],
    extras_require={
        "test": ["pytest", "pytest-timeout", "plone.app.testing", "WebTest", "zope.pytestlayer", "playwright"],
    },
    entry_points={
        "z3c.autoinclude.plugin": ["target = plone"],
        "console_scripts": ["archive = archive.cli:main"],
    },
)
