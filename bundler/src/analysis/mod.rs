//! Import analysis: which modules a piece of Python source can import, read with a real Python
//! parser (ruff's), at any depth of the code.

pub mod imports;
