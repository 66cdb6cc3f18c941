"""A Tk window. With --smoke it shows itself, types into its entry, reports what the window
and the entry say, and closes."""
import sys
import tkinter as tk

root = tk.Tk()
root.title("pybundle Tk example")
tk.Label(root, text="Hello from a bundled Tk app").pack(padx=24, pady=16)
name = tk.StringVar(value="")
entry = tk.Entry(root, textvariable=name)
entry.pack(padx=24)
tk.Button(root, text="Quit", command=root.destroy).pack(pady=16)

if "--smoke" in sys.argv:

    def report_and_close():
        root.update()
        entry.insert(0, "typed into Tk")
        print(f"window mapped={bool(root.winfo_ismapped())} size={root.winfo_width()}x{root.winfo_height()}")
        print(f"entry says {name.get()!r}")
        print(f"tk {root.tk.call('info', 'patchlevel')}", flush=True)
        root.destroy()

    root.after(500, report_and_close)

root.mainloop()
print("closed cleanly")
