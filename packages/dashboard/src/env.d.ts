// The dashboard runs in the browser; the rest of the repository is Node only.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
