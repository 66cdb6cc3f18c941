"""Reads data files two ways: through sys._MEIPASS (bundled) and next to __file__ (both)."""
import json
import os
import sys

from helpers import greeting

base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(base, "config.json"), encoding="utf-8") as f:
    config = json.load(f)
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "assets", "message.txt"), encoding="utf-8") as f:
    message = f.read().strip()

print(greeting(config["name"]))
print("message:", message)
print("template:", greeting.__module__, len(__import__("helpers").template()))
