//! Parse errors, nesting bounds and how calls are resolved.

use super::*;

fn err(src: &str) -> String {
    parse(src, &HashMap::new()).unwrap_err()
}

#[test]
fn reports_what_and_where() {
    assert_eq!(err("foo(1)"), "unknown function 'foo' at position 0");
    assert_eq!(
        err("max(1)"),
        "max takes 2 arguments, not 1 (at position 0)"
    );
    assert_eq!(
        err("LN(1, 2)"),
        "ln takes 1 argument, not 2 (at position 0)"
    );
    assert_eq!(
        err("rand(1)"),
        "rand takes 0 or 2 arguments, not 1 (at position 0)"
    );
    assert_eq!(
        err("(1 + (2 * 3)"),
        "expected ')' at position 12, found the end of the expression"
    );
    assert_eq!(err("1 + 2)"), "unexpected ')' at position 5");
    assert_eq!(
        err("1 +"),
        "expected a value at position 3, found the end of the expression"
    );
    assert_eq!(
        err("max(1 2)"),
        "expected ',' or ')' at position 6, found number 2"
    );
    assert!(err("a ? b").starts_with("expected ':' at position 5"));
}

#[test]
fn bounds_nesting() {
    let ok = format!("{}1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(parse(&ok, &HashMap::new()).is_ok());
    let deep = format!(
        "{}1{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(err(&deep).starts_with("nested deeper than 64 levels"));
    assert!(err(&"-".repeat(100)).starts_with("nested deeper than 64 levels"));
}

#[test]
fn each_rand_call_has_its_own_site() {
    let Expr::Bin(_, a, b) = parse("rand() + RAND()", &HashMap::new()).unwrap() else {
        panic!("expected a sum");
    };
    assert!(matches!(*a, Expr::Call(Func::Rand(1), _)));
    assert!(matches!(*b, Expr::Call(Func::Rand(2), _)));
}

#[test]
fn the_settings_functions_win_over_built_ins() {
    let mut functions = HashMap::new();
    functions.insert("max".to_string(), Decay::builtin(Shape::Exp));
    let expr = parse("Max(time)", &functions).unwrap();
    assert!(matches!(expr, Expr::Call(Func::Decay(_), ref args) if args.len() == 1));
    assert!(parse("max(1, 2)", &functions)
        .unwrap_err()
        .contains("max takes 1 argument"));
}
