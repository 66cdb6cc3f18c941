"""numpy in a bundle: a matrix product through the bundled BLAS, and numpy's version."""
import numpy as np

a = np.arange(1, 10, dtype=np.float64).reshape(3, 3)
b = np.linalg.inv(a + np.eye(3))
product = a @ b
print("numpy", np.__version__)
print("trace of a @ inv(a + I):", round(float(np.trace(product)), 6))
print("checksum:", int(np.arange(1000).sum()))
