"""A Tk window. With --smoke it shows itself, reports that it is on screen, and closes."""
import sys
import tkinter as tk

root = tk.Tk()
root.title("pybundle Tk example")
tk.Label(root, text="Hello from a bundled Tk app").pack(padx=24, pady=16)
tk.Button(root, text="Quit", command=root.destroy).pack(pady=(0, 16))

if "--smoke" in sys.argv:

    def report_and_close():
        root.update()
        print(f"window mapped={bool(root.winfo_ismapped())} size={root.winfo_width()}x{root.winfo_height()}")
        print(f"tk {root.tk.call('info', 'patchlevel')}", flush=True)
        root.destroy()

    root.after(500, report_and_close)

root.mainloop()
print("closed cleanly")
