//! The score expression's grammar: a recursive-descent parser from [`lexer`] tokens to an
//! [`Expr`] tree, run once when a setting is parsed so reads only evaluate.
//!
//! Loosest first: `c ? a : b` (right-associative), `||`, `&&`, `== !=`, `< <= > >=`,
//! `+ -`, `* /`, unary `-` and `!`, `^` (right-associative; its left operand is a plain
//! value, its right one may carry a sign: `-2^2` is -4, `2^-1` is 0.5), then values:
//! literals, variables, calls and parentheses.
//!
//! Function names are matched in lowercase, the setting's own `functions` first, and their
//! argument counts are checked here, so a read never meets an unknown function. Nesting is
//! bounded by [`MAX_DEPTH`]; chains of binary operators are built in a loop, so with
//! [`super::MAX_SCORE_CHARS`] they bound the tree's depth too.
//!
//! [`lexer`]: super::lexer

use std::collections::HashMap;

use super::decay::{Decay, Shape};
use super::lexer::{tokenize, Tok, Token};
use super::vars::Scalar;
use super::MAX_DEPTH;

#[derive(Clone, Debug)]
pub(super) enum Expr {
    Lit(Scalar),
    Var(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    /// `&&` and `||` evaluate their right side only when it matters.
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Func {
    Ln,
    Log,
    Sin,
    Cos,
    Tan,
    Abs,
    Trunc,
    Round,
    Min,
    Max,
    /// A built-in decay function, or one the setting defines.
    Decay(Decay),
    /// The call site's index: each `rand` in an expression draws its own numbers.
    Rand(u32),
    RandNormal(u32),
    ToUnixTimestamp,
    Dist,
}

impl Func {
    /// The argument counts the function accepts.
    fn arities(&self) -> &'static [usize] {
        match self {
            Func::Min | Func::Max => &[2],
            Func::Rand(_) => &[0, 2],
            Func::RandNormal(_) => &[0, 4],
            Func::Dist => &[4, 5],
            _ => &[1],
        }
    }
}

/// Binary levels from loosest to tightest, below `&&`; below the last comes unary.
const LEVELS: [&[(&str, BinOp)]; 4] = [
    &[("==", BinOp::Eq), ("!=", BinOp::Ne)],
    &[
        ("<", BinOp::Lt),
        ("<=", BinOp::Le),
        (">", BinOp::Gt),
        (">=", BinOp::Ge),
    ],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div)],
];

/// Parses `source`; `functions` are the setting's own, keyed by lowercase name. The error
/// says what is wrong and at which 0-based character position.
pub(super) fn parse(source: &str, functions: &HashMap<String, Decay>) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(source)?,
        at: 0,
        depth: 0,
        functions,
        sites: 0,
    };
    let expr = p.ternary()?;
    match p.peek() {
        Tok::End => Ok(expr),
        other => Err(format!(
            "unexpected {} at position {}",
            other.describe(),
            p.pos()
        )),
    }
}

struct Parser<'f> {
    toks: Vec<Token>,
    at: usize,
    depth: usize,
    functions: &'f HashMap<String, Decay>,
    sites: u32,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.toks.get(self.at).map_or(&Tok::End, |t| &t.tok)
    }

    fn pos(&self) -> usize {
        self.toks.get(self.at).map_or(0, |t| t.pos)
    }

    fn bump(&mut self) -> Tok {
        let tok = self.peek().clone();
        if self.at < self.toks.len() {
            self.at += 1;
        }
        tok
    }

    fn eat(&mut self, op: &str) -> bool {
        let hit = matches!(self.peek(), Tok::Op(o) if *o == op);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(self.expected(&format!("'{op}'")))
        }
    }

    fn expected(&self, what: &str) -> String {
        format!(
            "expected {what} at position {}, found {}",
            self.pos(),
            self.peek().describe()
        )
    }

    /// Runs `f` one nesting level deeper, refusing past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "nested deeper than {MAX_DEPTH} levels at position {}",
                self.pos()
            ));
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        out
    }

    fn ternary(&mut self) -> Result<Expr, String> {
        let cond = self.or()?;
        if !self.eat("?") {
            return Ok(cond);
        }
        let then = self.nested(Self::ternary)?;
        self.expect(":")?;
        let other = self.nested(Self::ternary)?;
        Ok(Expr::Cond(Box::new(cond), Box::new(then), Box::new(other)))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.binary(0)?;
        while self.eat("&&") {
            left = Expr::And(Box::new(left), Box::new(self.binary(0)?));
        }
        Ok(left)
    }

    fn binary(&mut self, level: usize) -> Result<Expr, String> {
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        while let Some(&(_, op)) = ops
            .iter()
            .find(|(sym, _)| matches!(self.peek(), Tok::Op(o) if o == sym))
        {
            self.at += 1;
            let right = self.binary(level + 1)?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat("-") {
            return Ok(Expr::Neg(Box::new(self.nested(Self::unary)?)));
        }
        if self.eat("!") {
            return Ok(Expr::Not(Box::new(self.nested(Self::unary)?)));
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, String> {
        let base = self.value()?;
        if !self.eat("^") {
            return Ok(base);
        }
        let exponent = self.nested(Self::unary)?;
        Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exponent)))
    }

    fn value(&mut self) -> Result<Expr, String> {
        let pos = self.pos();
        match self.peek().clone() {
            Tok::Num(n) => {
                self.bump();
                Ok(Expr::Lit(Scalar::Num(n)))
            }
            Tok::Str(s) => {
                self.bump();
                Ok(Expr::Lit(Scalar::Str(s)))
            }
            Tok::Ident(name) => {
                self.bump();
                if self.eat("(") {
                    self.call(&name, pos)
                } else if name == "true" || name == "false" {
                    Ok(Expr::Lit(Scalar::Bool(name == "true")))
                } else {
                    Ok(Expr::Var(name))
                }
            }
            Tok::Op("(") => {
                self.bump();
                let inner = self.nested(Self::ternary)?;
                self.expect(")")?;
                Ok(inner)
            }
            _ => Err(self.expected("a value")),
        }
    }

    /// A call whose name and `(` have been read.
    fn call(&mut self, name: &str, pos: usize) -> Result<Expr, String> {
        let lower = name.to_ascii_lowercase();
        let func = self
            .function(&lower)
            .ok_or_else(|| format!("unknown function '{name}' at position {pos}"))?;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.nested(Self::ternary)?);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return Err(self.expected("',' or ')'"));
                }
            }
        }
        let arities = func.arities();
        if !arities.contains(&args.len()) {
            let counts: Vec<String> = arities.iter().map(usize::to_string).collect();
            let noun = if arities == [1] {
                "argument"
            } else {
                "arguments"
            };
            return Err(format!(
                "{lower} takes {} {noun}, not {} (at position {pos})",
                counts.join(" or "),
                args.len()
            ));
        }
        Ok(Expr::Call(func, args))
    }

    fn function(&mut self, name: &str) -> Option<Func> {
        if let Some(decay) = self.functions.get(name) {
            return Some(Func::Decay(*decay));
        }
        if let Some(shape) = Shape::from_name(name) {
            return Some(Func::Decay(Decay::builtin(shape)));
        }
        Some(match name {
            "ln" => Func::Ln,
            "log" => Func::Log,
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" => Func::Tan,
            "abs" => Func::Abs,
            "trunc" => Func::Trunc,
            "round" => Func::Round,
            "min" => Func::Min,
            "max" => Func::Max,
            "rand" => Func::Rand(self.site()),
            "rand_normal" => Func::RandNormal(self.site()),
            "to_unix_timestamp" => Func::ToUnixTimestamp,
            "dist" => Func::Dist,
            _ => return None,
        })
    }

    fn site(&mut self) -> u32 {
        self.sites += 1;
        self.sites
    }
}

#[cfg(test)]
mod tests;
