//! Certificates as PDF (A4, Bahasa Indonesia or English, DejaVu fonts
//! embedded): the library's logo and name, the patron's name, the
//! achievement, the date, and a verification code with a QR code of the
//! public page `/verifikasi/{code}`.

use crate::reports::{BLACK, Fonts, GREY, H, MARGIN, Op, TEAL, W, Writer, image_of, tr};
use crate::{App, AppError};
use chrono::NaiveDate;
use siar_domain::org::Lang;

/// What a certificate says.
pub struct Content {
    pub lang: Lang,
    pub org_name: String,
    /// (MIME type, bytes) of the library's logo.
    pub logo: Option<(String, Vec<u8>)>,
    /// The name printed: a child's first name, or the nickname.
    pub name: String,
    pub achievement: String,
    pub issued: NaiveDate,
    pub code: String,
    pub url: String,
}

fn date(app: &App, lang: Lang, d: NaiveDate) -> String {
    use chrono::Datelike;
    let month = tr(app, lang, &format!("rep-month-{}", d.month()), &[]);
    format!("{} {month} {}", d.day(), d.year())
}

pub fn render(app: &App, c: &Content) -> Result<Vec<u8>, AppError> {
    let t = |k: &str| tr(app, c.lang, k, &[]);
    let fonts = Fonts::load()?;
    let mut w = Writer::new(&fonts);
    // A band across the top and a thin one at the foot.
    w.ops().push(Op::Rect {
        x: 0.0,
        y: 0.0,
        w: W,
        h: 18.0,
        color: TEAL,
    });
    w.ops().push(Op::Rect {
        x: 0.0,
        y: H - 10.0,
        w: W,
        h: 10.0,
        color: TEAL,
    });
    w.gap(40.0);
    if let Some(img) = c.logo.as_ref().and_then(|(m, b)| image_of(m, b)) {
        let y = w.y;
        w.ops().push(Op::Image {
            x: MARGIN,
            y,
            w: 70.0,
            h: 70.0,
            image: img,
        });
        w.gap(85.0);
    }
    w.text(&c.org_name, 14.0, true, TEAL);
    w.gap(50.0);
    w.text(&t("cert-title"), 34.0, true, BLACK);
    w.gap(24.0);
    w.text(&t("cert-given-to"), 13.0, false, GREY);
    w.gap(6.0);
    w.text(&c.name, 30.0, true, TEAL);
    w.gap(18.0);
    w.text(&t("cert-for"), 13.0, false, GREY);
    w.gap(6.0);
    w.text(&c.achievement, 20.0, true, BLACK);
    w.gap(24.0);
    w.text(
        &tr(
            app,
            c.lang,
            "cert-date",
            &[
                ("date", date(app, c.lang, c.issued)),
                ("name", c.org_name.clone()),
            ],
        ),
        12.0,
        false,
        BLACK,
    );
    // The verification code and its QR code at the foot.
    let qr = crate::links::qr(&c.url)?;
    let img = qr
        .render::<image::Luma<u8>>()
        .module_dimensions(4, 4)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let foot = H - MARGIN - 110.0;
    if let Some(image) = image_of("image/png", png.get_ref()) {
        w.ops().push(Op::Image {
            x: MARGIN,
            y: foot,
            w: 100.0,
            h: 100.0,
            image,
        });
    }
    w.y = foot + 10.0;
    for (size, bold, color, text) in [
        (10.0, false, GREY, t("cert-verify")),
        (16.0, true, BLACK, c.code.clone()),
        (9.0, false, GREY, c.url.clone()),
    ] {
        w.y += size * 1.2;
        let y = w.y;
        w.ops().push(Op::Text {
            x: MARGIN + 115.0,
            y,
            size,
            bold,
            color,
            text,
        });
        w.y += size * 0.5;
    }
    w.finish(&format!("{} — {}", t("cert-title"), c.name), c.lang)
}
