//! Evaluates a parsed score expression against one activity.
//!
//! Arithmetic takes numbers; comparisons take two numbers or two strings (`==` and `!=` also
//! any two values, which are unequal when their kinds differ); conditions take booleans or
//! numbers. Anything else, and division by zero, is an error, which [`super::Ranking::score`]
//! turns into a score of 0. Recursion follows the tree, whose depth the parser bounds.

use std::collections::HashMap;

use super::expr::{BinOp, Expr, Func};
use super::random::Rng;
use super::vars::{resolve, Scalar};
use super::Inputs;
use crate::model::Activity;

/// Everything one evaluation reads.
pub(super) struct Env<'a> {
    pub(super) activity: &'a Activity,
    pub(super) inputs: &'a Inputs<'a>,
    pub(super) defaults: &'a HashMap<String, Scalar>,
    /// [`Inputs::now`] in unix seconds, the unit of `time` and of decay origins.
    pub(super) now_secs: f64,
}

pub(super) fn eval(expr: &Expr, env: &Env) -> Result<Scalar, String> {
    match expr {
        Expr::Lit(v) => Ok(v.clone()),
        Expr::Var(name) => resolve(env, name),
        Expr::Neg(e) => Ok(Scalar::Num(-eval(e, env)?.num()?)),
        Expr::Not(e) => Ok(Scalar::Bool(!eval(e, env)?.truthy()?)),
        Expr::And(a, b) => Ok(Scalar::Bool(
            eval(a, env)?.truthy()? && eval(b, env)?.truthy()?,
        )),
        Expr::Or(a, b) => Ok(Scalar::Bool(
            eval(a, env)?.truthy()? || eval(b, env)?.truthy()?,
        )),
        Expr::Cond(c, a, b) => {
            if eval(c, env)?.truthy()? {
                eval(a, env)
            } else {
                eval(b, env)
            }
        }
        Expr::Bin(op, a, b) => binary(*op, eval(a, env)?, eval(b, env)?),
        Expr::Call(func, args) => call(func, args, env),
    }
}

fn binary(op: BinOp, a: Scalar, b: Scalar) -> Result<Scalar, String> {
    use std::cmp::Ordering;
    let ordering = match (&a, &b) {
        (Scalar::Num(x), Scalar::Num(y)) => x.partial_cmp(y),
        (Scalar::Str(x), Scalar::Str(y)) => Some(x.cmp(y)),
        (Scalar::Bool(x), Scalar::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    let same_kind = std::mem::discriminant(&a) == std::mem::discriminant(&b);
    let ordered = |test: fn(Ordering) -> bool| -> Result<Scalar, String> {
        let comparable = matches!(
            (&a, &b),
            (Scalar::Num(_), Scalar::Num(_)) | (Scalar::Str(_), Scalar::Str(_))
        );
        if !comparable {
            return Err(format!(
                "cannot order {} and {}",
                a.describe(),
                b.describe()
            ));
        }
        // NaN orders with nothing: every comparison with it is false.
        Ok(Scalar::Bool(ordering.is_some_and(test)))
    };
    match op {
        BinOp::Eq => Ok(Scalar::Bool(same_kind && ordering == Some(Ordering::Equal))),
        BinOp::Ne => Ok(Scalar::Bool(
            !(same_kind && ordering == Some(Ordering::Equal)),
        )),
        BinOp::Lt => ordered(Ordering::is_lt),
        BinOp::Le => ordered(Ordering::is_le),
        BinOp::Gt => ordered(Ordering::is_gt),
        BinOp::Ge => ordered(Ordering::is_ge),
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow => {
            let (x, y) = (a.num()?, b.num()?);
            Ok(Scalar::Num(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div if y == 0.0 => return Err("division by zero".to_string()),
                BinOp::Div => x / y,
                _ => x.powf(y),
            }))
        }
    }
}

fn call(func: &Func, args: &[Expr], env: &Env) -> Result<Scalar, String> {
    // The parser checked the argument counts; `get` keeps a mistake from panicking.
    let arg =
        |i: usize| -> Result<Scalar, String> { eval(args.get(i).ok_or("missing argument")?, env) };
    let num = |i: usize| arg(i)?.num();
    let n = match func {
        Func::Ln => num(0)?.ln(),
        Func::Log => num(0)?.log10(),
        Func::Sin => num(0)?.sin(),
        Func::Cos => num(0)?.cos(),
        Func::Tan => num(0)?.tan(),
        Func::Abs => num(0)?.abs(),
        Func::Trunc => num(0)?.trunc(),
        Func::Round => num(0)?.round(),
        Func::Min => num(0)?.min(num(1)?),
        Func::Max => num(0)?.max(num(1)?),
        Func::Decay(decay) => decay.apply(num(0)?, env.now_secs),
        Func::Rand(site) => {
            let range = if args.is_empty() {
                None
            } else {
                Some((num(0)?, num(1)?))
            };
            let u = rng(env, *site).uniform();
            range.map_or(u, |(a, b)| a + (b - a) * u)
        }
        Func::RandNormal(site) => {
            if args.is_empty() {
                rng(env, *site).normal()
            } else {
                let (a, b, sigma, mu) = (num(0)?, num(1)?, num(2)?, num(3)?);
                rng(env, *site).normal_within(a, b, sigma, mu)
            }
        }
        Func::ToUnixTimestamp => match arg(0)? {
            Scalar::Num(n) => n,
            Scalar::Str(s) => crate::time::parse_rfc3339(&s)
                .map(|ns| ns as f64 / 1e9)
                .ok_or_else(|| format!("to_unix_timestamp: '{s}' is not a time"))?,
            other => {
                return Err(format!(
                    "to_unix_timestamp: expected a time, found {}",
                    other.describe()
                ))
            }
        },
        Func::Dist => {
            let radius = if args.len() > 4 {
                match arg(4)? {
                    Scalar::Str(unit) => earth_radius(&unit)?,
                    other => {
                        return Err(format!("dist: expected a unit, found {}", other.describe()))
                    }
                }
            } else {
                EARTH_RADIUS_KM
            };
            haversine(num(0)?, num(1)?, num(2)?, num(3)?) * radius
        }
    };
    Ok(Scalar::Num(n))
}

fn rng(env: &Env, site: u32) -> Rng {
    Rng::new(env.inputs.seed, &env.activity.id, site)
}

/// The mean radius of the Earth.
const EARTH_RADIUS_KM: f64 = 6371.0;

fn earth_radius(unit: &str) -> Result<f64, String> {
    match unit.to_ascii_uppercase().as_str() {
        "K" | "KM" => Ok(EARTH_RADIUS_KM),
        "M" | "MI" => Ok(EARTH_RADIUS_KM / 1.609_344),
        "N" | "NM" => Ok(EARTH_RADIUS_KM / 1.852),
        _ => Err(format!("dist: unknown unit '{unit}': use K, M or N")),
    }
}

/// The central angle between two points given in degrees, in radians.
fn haversine(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin()
}
