"""`bookforge import`: an existing book (EPUB, Word, Markdown, plain text) -> a book project that builds at once."""
