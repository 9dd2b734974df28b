//! The `siar` binary from the outside: bad input is refused with a message that names
//! the setting and the fix, and changes nothing; admin commands work.

use std::path::Path;
use std::process::{Command, Output};

fn siar(data: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_siar"));
    c.arg("--data").arg(data).args(args);
    for k in [
        "DATABASE_URL",
        "SIAR_SECRET_KEY",
        "SIAR_LISTEN",
        "SIAR_DATA_DIR",
        "SIAR_NEW_PASSWORD",
    ] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run siar")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn admin_commands_create_org_user_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = siar(d, &["migrate"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("migration version 13"));
    assert!(d.join("siar.db").exists() && d.join("secret.key").exists());

    let o = siar(
        d,
        &[
            "admin",
            "create-org",
            "--slug",
            "kota-lubuklinggau",
            "--name",
            "Perpustakaan Kota Lubuklinggau",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = siar(
        d,
        &[
            "admin",
            "create-org",
            "--slug",
            "kota-lubuklinggau",
            "--name",
            "Lagi",
        ],
        &[],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("already taken"), "{}", text(&o));
    let o = siar(
        d,
        &["admin", "create-org", "--slug", "Bad Slug", "--name", "X"],
        &[],
    );
    assert!(text(&o).contains("slug:"), "{}", text(&o));

    let o = siar(
        d,
        &[
            "admin",
            "create-user",
            "--org",
            "kota-lubuklinggau",
            "--email",
            "kepala@lubuklinggau.example",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Initial password (shown once):"));
    let o = siar(
        d,
        &[
            "admin",
            "create-user",
            "--org",
            "kota-lubuklinggau",
            "--email",
            "kepala@lubuklinggau.example",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(
        text(&o).contains("Another account already uses this e-mail"),
        "{}",
        text(&o)
    );
    let o = siar(
        d,
        &[
            "admin",
            "create-user",
            "--org",
            "kota-lubuklinggau",
            "--email",
            "x@lubuklinggau.example",
            "--role",
            "editor",
        ],
        &[("SIAR_NEW_PASSWORD", "siar-demo")],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("demo password cannot be used"),
        "{}",
        text(&o)
    );
    let o = siar(
        d,
        &[
            "admin",
            "create-user",
            "--org",
            "tidak-ada",
            "--email",
            "a@b.example",
            "--role",
            "editor",
        ],
        &[],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no organisation with slug `tidak-ada`") && text(&o).contains("--org"),
        "{}",
        text(&o)
    );
    let o = siar(
        d,
        &[
            "admin",
            "create-user",
            "--org",
            "kota-lubuklinggau",
            "--email",
            "a@b.example",
            "--role",
            "boss",
        ],
        &[],
    );
    assert!(
        text(&o).contains("--role") && text(&o).contains("unknown role"),
        "{}",
        text(&o)
    );

    let o = siar(
        d,
        &[
            "admin",
            "reset-password",
            "--org",
            "kota-lubuklinggau",
            "--email",
            "kepala@lubuklinggau.example",
        ],
        &[("SIAR_NEW_PASSWORD", "kata-sandi-baru-1")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = siar(
        d,
        &[
            "admin",
            "api-token",
            "--org",
            "kota-lubuklinggau",
            "--role",
            "analyst",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .trim()
            .starts_with("siar_")
    );
}

#[test]
fn bad_settings_name_the_setting_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("data");
    let o = siar(
        &d,
        &["migrate"],
        &[("DATABASE_URL", "mysql://root@localhost/siar")],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("DATABASE_URL is not valid"),
        "{}",
        text(&o)
    );
    assert!(!d.exists(), "nothing was created");

    let o = siar(&d, &["serve", "--config", "/nonexistent/siar.toml"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("cannot read the config file") && text(&o).contains("--config"));

    let o = siar(&d, &["serve", "--listen", "nowhere"], &[]);
    assert!(
        text(&o).contains("--listen") && text(&o).contains("IP:PORT"),
        "{}",
        text(&o)
    );

    let o = siar(&d, &["migrate"], &[("SIAR_SECRET_KEY", "too-short")]);
    assert!(!o.status.success());
    assert!(text(&o).contains("SIAR_SECRET_KEY"), "{}", text(&o));
    assert!(!d.join("siar.db").exists(), "a bad key touches no database");

    // A file where the data folder should be: it cannot be created.
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let o = siar(&file, &["migrate"], &[]);
    assert!(!o.status.success());
    assert!(text(&o).contains("SIAR_DATA_DIR"), "{}", text(&o));
}

#[test]
fn print_config_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = siar(
        dir.path(),
        &["print-config"],
        &[
            ("DATABASE_URL", "postgres://siar:rahasia@127.0.0.1/siar"),
            ("SIAR_SECRET_KEY", &"ab".repeat(32)),
        ],
    );
    assert!(o.status.success());
    let t = text(&o);
    assert!(
        !t.contains("rahasia") && !t.contains(&"ab".repeat(32)),
        "{t}"
    );
    assert!(t.contains("siar:***@127.0.0.1"));
}
