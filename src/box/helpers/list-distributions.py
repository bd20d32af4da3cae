"""What a root's Python has installed: run by pkg2os in the sandbox on that root.

Prints one JSON object: the Python version and every distribution importlib.metadata
finds on the default path (name -> version). No upstream code runs here.
"""
import importlib.metadata
import json
import platform
import sys

found = {}
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if name and name not in found:
        found[name] = dist.version
json.dump({"python": "%d.%d" % sys.version_info[:2], "pythonFull": platform.python_version(), "distributions": found}, sys.stdout)
