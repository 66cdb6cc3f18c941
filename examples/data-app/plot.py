"""A pandas + matplotlib app: a small frame, a plot written to a PNG (Agg backend).

    pip install pandas matplotlib
    pybundle examples/data-app/plot.py -F && ./dist/plot /tmp     # writes /tmp/plot.png
"""
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot  # noqa: F401  (the pyplot state frame.plot draws on)
import pandas as pd

frame = pd.DataFrame({"x": range(10), "y": [v * v for v in range(10)]})
ax = frame.plot(x="x", y="y")
out = os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "plot.png")
ax.figure.savefig(out)
print("rows:", len(frame), "sum:", int(frame["y"].sum()), "png:", os.path.getsize(out) > 0)
