# Prints FILE:LINE:CODE for each line of C sources, comments and string and
# character literals blanked out, so that a grep sees only code.
FNR == 1 { inc = 0 }
{
	line = $0; out = ""; i = 1; n = length(line)
	while (i <= n) {
		c = substr(line, i, 1); c2 = substr(line, i, 2)
		if (inc) {
			if (c2 == "*/") { inc = 0; i += 2 } else i++
			continue
		}
		if (c2 == "/*") { inc = 1; i += 2; continue }
		if (c2 == "//") break
		if (c == "\"" || c == "'") {
			q = c; out = out q; i++
			while (i <= n && substr(line, i, 1) != q) { if (substr(line, i, 1) == "\\") i++; i++ }
			out = out q; i++
			continue
		}
		out = out c; i++
	}
	print FILENAME ":" FNR ":" out
}
