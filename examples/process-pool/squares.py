"""Sums squares in a pool of four worker processes started with "spawn" (the start method
macOS and Windows use, and Linux's from Python 3.14): in a bundle, the workers run the bundle
again. freeze_support() is what PyInstaller needs; pybundle does not, and it does no harm."""
import multiprocessing


def square(n):
    return n * n


if __name__ == "__main__":
    multiprocessing.freeze_support()
    multiprocessing.set_start_method("spawn")
    with multiprocessing.Pool(4) as pool:
        print("sum of squares below 1000:", sum(pool.map(square, range(1000))))
