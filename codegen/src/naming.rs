//! Rust names derived from wire names: one place decides them, so the emitters and the
//! collision checks agree.

/// Words Rust reserves; a field named like one gets a trailing `_`.
const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// True for a name Rust reserves (strict, reserved or edition-dependent).
pub fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name) || name == "gen"
}

/// True when `name` is a plain ASCII Rust identifier (letters, digits, `_`; not starting with
/// a digit) and not a keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if first.is_ascii_alphabetic() || first == '_' => {}
        _ => return false,
    }
    name != "_" && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !is_keyword(name)
}

/// True when `name` is a PascalCase identifier: an identifier starting with an uppercase letter.
pub fn is_pascal_identifier(name: &str) -> bool {
    is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase())
}

/// `getFileTransferHistory` → `GetFileTransferHistory`; `schedule_type` → `ScheduleType`.
/// Returns `None` when the wire name has characters no identifier can hold.
pub fn pascal_case(wire: &str) -> Option<String> {
    let mut out = String::with_capacity(wire.len());
    let mut upper_next = true;
    for c in wire.chars() {
        if c == '_' || c == '-' {
            upper_next = true;
            continue;
        }
        if !c.is_ascii_alphanumeric() {
            return None;
        }
        if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    is_pascal_identifier(&out).then_some(out)
}

/// `fileSize` → `file_size`, `peerDn` → `peer_dn`, `HTTPPort` → `http_port`, `type` → `type_`.
/// Returns `None` when the wire name has characters no identifier can hold.
pub fn snake_case(wire: &str) -> Option<String> {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len() + 4);
    for (index, &c) in chars.iter().enumerate() {
        if c == '-' {
            out.push('_');
            continue;
        }
        if !(c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        if c.is_ascii_uppercase() {
            let previous = index.checked_sub(1).map(|i| chars[i]);
            let next = chars.get(index + 1).copied();
            let boundary = match previous {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if is_keyword(&out) {
        out.push('_');
    }
    is_identifier(&out).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_word_boundaries() {
        assert_eq!(snake_case("fileSize").as_deref(), Some("file_size"));
        assert_eq!(snake_case("peerDn").as_deref(), Some("peer_dn"));
        assert_eq!(snake_case("HTTPPort").as_deref(), Some("http_port"));
        assert_eq!(snake_case("created_at").as_deref(), Some("created_at"));
        assert_eq!(snake_case("type").as_deref(), Some("type_"));
        assert_eq!(snake_case("match").as_deref(), Some("match_"));
        assert_eq!(snake_case("S|L"), None);
        assert_eq!(snake_case("1st"), None);
        assert_eq!(snake_case(""), None);
    }

    #[test]
    fn pascal_case_capitalises_words() {
        assert_eq!(
            pascal_case("getFileTransferHistory").as_deref(),
            Some("GetFileTransferHistory")
        );
        assert_eq!(
            pascal_case("schedule_type").as_deref(),
            Some("ScheduleType")
        );
        assert_eq!(pascal_case("a b"), None);
        assert_eq!(pascal_case("9lives"), None);
    }
}
