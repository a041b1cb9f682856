//! Splits a score expression into tokens. Each token keeps its position, the 0-based
//! character index that parse errors name, so a setting's author can find the mistake.

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Str(String),
    /// A name: letters, digits, `_` and dots, not starting with a digit or a dot.
    Ident(String),
    Op(&'static str),
    End,
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
}

/// Two-character operators come first so `<=` is not read as `<` then `=`.
const OPS: [&str; 19] = [
    "&&", "||", "==", "!=", "<=", ">=", "+", "-", "*", "/", "^", "!", "<", ">", "?", ":", "(", ")",
    ",",
];

impl Tok {
    /// How an error message names the token.
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Ident(name) => format!("'{name}'"),
            Tok::Op(op) => format!("'{op}'"),
            Tok::End => "the end of the expression".to_string(),
        }
    }
}

/// The tokens of `src`, ending with [`Tok::End`].
pub(super) fn tokenize(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let pos = i;
        let next_is_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        let tok = if c.is_ascii_digit() || (c == '.' && next_is_digit) {
            let (n, end) = number(&chars, i)?;
            i = end;
            Tok::Num(n)
        } else if c == '"' || c == '\'' {
            let (s, end) = string(&chars, i)?;
            i = end;
            Tok::Str(s)
        } else if c.is_ascii_alphabetic() || c == '_' {
            let (name, end) = ident(&chars, i)?;
            i = end;
            Tok::Ident(name)
        } else if let Some(op) = OPS.iter().find(|op| at(&chars, i, op)) {
            i += op.len();
            Tok::Op(op)
        } else {
            return Err(match c {
                '=' => format!("unexpected '=' at position {pos}: compare with '=='"),
                '&' | '|' => format!("unexpected '{c}' at position {pos}: use '{c}{c}'"),
                _ => format!("unexpected character '{c}' at position {pos}"),
            });
        };
        out.push(Token { tok, pos });
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

fn at(chars: &[char], i: usize, op: &str) -> bool {
    op.chars()
        .enumerate()
        .all(|(k, c)| chars.get(i + k) == Some(&c))
}

/// Digits, an optional fraction and an optional exponent (`1.5e-3`).
fn number(chars: &[char], start: usize) -> Result<(f64, usize), String> {
    let digits_from = |mut i: usize| {
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits_from(start);
    if chars.get(i) == Some(&'.') {
        i = digits_from(i + 1);
    }
    if matches!(chars.get(i), Some('e' | 'E')) {
        let mut j = i + 1;
        if matches!(chars.get(j), Some('+' | '-')) {
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            i = digits_from(j);
        }
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, i)),
        _ => Err(format!("bad number '{text}' at position {start}")),
    }
}

/// A string in `"` or `'`; a backslash keeps the next character as is (`\n` and `\t` are a
/// newline and a tab).
fn string(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let quote = chars[start];
    let mut out = String::new();
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c == quote => return Ok((out, i + 1)),
            '\\' => {
                let Some(&next) = chars.get(i + 1) else { break };
                out.push(match next {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                i += 2;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(format!("unterminated string starting at position {start}"))
}

fn ident(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start;
    while chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
    {
        i += 1;
    }
    let name: String = chars[start..i].iter().collect();
    if name.split('.').any(str::is_empty) {
        return Err(format!(
            "bad name '{name}' at position {start}: dots must separate parts"
        ));
    }
    Ok((name, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        tokenize(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn splits_numbers_names_strings_and_operators() {
        assert_eq!(
            toks("1.5e2 <= custom.x && 'a\\'b' != \"c\""),
            vec![
                Tok::Num(150.0),
                Tok::Op("<="),
                Tok::Ident("custom.x".into()),
                Tok::Op("&&"),
                Tok::Str("a'b".into()),
                Tok::Op("!="),
                Tok::Str("c".into()),
                Tok::End,
            ]
        );
        assert_eq!(toks(".5"), vec![Tok::Num(0.5), Tok::End]);
    }

    #[test]
    fn positions_are_character_indexes() {
        let t = tokenize("é + x").unwrap_err();
        assert_eq!(t, "unexpected character 'é' at position 0");
        let t = tokenize("'é' + x").unwrap();
        assert_eq!(t[2].pos, 6);
    }

    #[test]
    fn refuses_what_is_not_a_token() {
        assert!(tokenize("a = b").unwrap_err().contains("'=='"));
        assert!(tokenize("a & b").unwrap_err().contains("'&&'"));
        assert!(tokenize("'open")
            .unwrap_err()
            .contains("unterminated string starting at position 0"));
        assert!(tokenize("custom..x").unwrap_err().contains("bad name"));
        assert!(tokenize("x.").unwrap_err().contains("bad name"));
    }
}
