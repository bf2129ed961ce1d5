/// Splits a compilation database "command" string into words as a POSIX shell would (quotes and backslashes),
/// without expanding anything.
enum ShellWords {
    static func split(_ command: String) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in command {
            if escaped {
                // Inside double quotes a backslash escapes only \ " $ ` (and newline); elsewhere it is kept.
                if quote == "\"" && !"\\\"$`\n".contains(c) { word.append("\\") }
                if c != "\n" { word.append(c) }
                escaped = false
                inWord = true
            } else if c == "\\" && quote != "'" {
                escaped = true
            } else if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" || c == "\n" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(c)
                inWord = true
            }
        }
        if inWord || escaped { words.append(word) }
        return words
    }
}
