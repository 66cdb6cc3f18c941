"""A small QtWidgets app: a window with a label and a button; prints what it showed."""
import sys

from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

app = QApplication(sys.argv)
window = QWidget()
layout = QVBoxLayout(window)
label = QLabel("Hello from Qt")
button = QPushButton("Press")
layout.addWidget(label)
layout.addWidget(button)
window.show()
app.processEvents()
print("label:", label.text(), "| button:", button.text(), "| platform:", app.platformName())
