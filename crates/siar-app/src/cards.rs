//! Picture cards as PNG: the Open Graph image of every programme (so a post
//! that links to a poll, quiz, survey or challenge shows a good preview) and
//! the card a patron shares of a badge or a finished challenge. Drawn with
//! the embedded DejaVu fonts (Indonesian text renders everywhere) on the
//! library's colours; 1200 × 630, the size the platforms ask for.

use crate::AppError;
use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const BRAND: Rgb<u8> = Rgb([15, 110, 102]);
const SOFT: Rgb<u8> = Rgb([227, 242, 240]);
const INK: Rgb<u8> = Rgb([31, 41, 51]);
const MUTED: Rgb<u8> = Rgb([80, 92, 104]);
const GOLD: Rgb<u8> = Rgb([214, 158, 26]);
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// What a card says.
#[derive(Debug, Clone, Default)]
pub struct Card {
    /// A short label above the title ("Kuis", "Tantangan Membaca").
    pub label: String,
    pub title: String,
    /// Up to three lines under the title (dates, questions, a nickname).
    pub lines: Vec<String>,
    /// The library's name, at the bottom.
    pub footer: String,
    /// A big symbol on the right (a star for a badge).
    pub emblem: Option<char>,
}

struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Fonts {
    fn load() -> Result<Self, AppError> {
        let bad = |_| AppError::Internal("the card's font cannot be read".into());
        Ok(Fonts {
            regular: FontRef::try_from_slice(REGULAR).map_err(bad)?,
            bold: FontRef::try_from_slice(BOLD).map_err(bad)?,
        })
    }
}

/// The width of `text` in pixels at `size`, with kerning.
fn width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let f = font.as_scaled(PxScale::from(size));
    let mut w = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let g = f.glyph_id(c);
        if let Some(p) = prev {
            w += f.kern(p, g);
        }
        w += f.h_advance(g);
        prev = Some(g);
    }
    w
}

/// Breaks `text` into at most `max_lines` lines no wider than `max` (as
/// measured by `measure`); a word wider than a line is cut, and text that
/// does not fit ends with an ellipsis.
pub fn wrap(text: &str, max: f32, max_lines: usize, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut words = text.split_whitespace().peekable();
    let mut overflow = false;
    while let Some(word) = words.next() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if measure(&candidate) <= max {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            if lines.len() == max_lines {
                overflow = true;
                break;
            }
        }
        // The word alone: cut it to fit when it is wider than a line.
        let mut piece = String::new();
        for ch in word.chars() {
            piece.push(ch);
            if measure(&piece) > max {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(ch);
                if lines.len() == max_lines {
                    overflow = true;
                    break;
                }
            }
        }
        if overflow {
            break;
        }
        current = piece;
        if words.peek().is_none() {
            break;
        }
    }
    if !overflow && !current.is_empty() {
        if lines.len() < max_lines {
            lines.push(current);
        } else {
            overflow = true;
        }
    }
    if overflow && let Some(last) = lines.last_mut() {
        while !last.is_empty() && measure(&format!("{last}…")) > max {
            last.pop();
        }
        let trimmed = last.trim_end().to_string();
        *last = format!("{trimmed}…");
    }
    lines
}

fn blend(img: &mut RgbImage, x: i64, y: i64, color: Rgb<u8>, alpha: f32) {
    if x < 0 || y < 0 || x >= i64::from(WIDTH) || y >= i64::from(HEIGHT) || alpha <= 0.0 {
        return;
    }
    let a = alpha.min(1.0);
    let p = img.get_pixel_mut(x as u32, y as u32);
    for i in 0..3 {
        let v = f32::from(color.0[i]) * a + f32::from(p.0[i]) * (1.0 - a);
        p.0[i] = v.round().clamp(0.0, 255.0) as u8;
    }
}

/// Draws `text` with its baseline at `y`, starting at `x`.
fn draw(
    img: &mut RgbImage,
    font: &FontRef<'_>,
    size: f32,
    x: f32,
    y: f32,
    color: Rgb<u8>,
    text: &str,
) {
    let f = font.as_scaled(PxScale::from(size));
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            caret += f.kern(p, id);
        }
        let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, y));
        caret += f.h_advance(id);
        prev = Some(id);
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|gx, gy, cov| {
                blend(
                    img,
                    b.min.x as i64 + i64::from(gx),
                    b.min.y as i64 + i64::from(gy),
                    color,
                    cov,
                );
            });
        }
    }
}

fn fill(img: &mut RgbImage, x0: u32, y0: u32, x1: u32, y1: u32, radius: f32, color: Rgb<u8>) {
    for y in y0..y1.min(HEIGHT) {
        for x in x0..x1.min(WIDTH) {
            // Rounded corners: outside the quarter circles stays as it was.
            let cx = if x < x0 + radius as u32 {
                x0 as f32 + radius
            } else if x >= x1 - radius as u32 {
                x1 as f32 - radius
            } else {
                x as f32
            };
            let cy = if y < y0 + radius as u32 {
                y0 as f32 + radius
            } else if y >= y1 - radius as u32 {
                y1 as f32 - radius
            } else {
                y as f32
            };
            let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
            let alpha = (radius + 0.5 - d).clamp(0.0, 1.0);
            if (cx - x as f32).abs() < f32::EPSILON && (cy - y as f32).abs() < f32::EPSILON {
                img.put_pixel(x, y, color);
            } else {
                blend(img, i64::from(x), i64::from(y), color, alpha);
            }
        }
    }
}

/// Draws a card; the image before it is encoded (for tests).
pub fn draw_card(card: &Card) -> Result<RgbImage, AppError> {
    let fonts = Fonts::load()?;
    let mut img = RgbImage::from_pixel(WIDTH, HEIGHT, BRAND);
    fill(&mut img, 40, 40, WIDTH - 40, HEIGHT - 40, 28.0, WHITE);
    fill(
        &mut img,
        40,
        HEIGHT - 130,
        WIDTH - 40,
        HEIGHT - 40,
        28.0,
        SOFT,
    );
    // Square off the soft band's top corners against the white panel.
    fill(
        &mut img,
        40,
        HEIGHT - 130,
        WIDTH - 40,
        HEIGHT - 100,
        0.0,
        SOFT,
    );
    let left = 100.0;
    let text_width = if card.emblem.is_some() { 760.0 } else { 1000.0 };
    let mut y = 140.0;
    if !card.label.is_empty() {
        draw(
            &mut img,
            &fonts.bold,
            34.0,
            left,
            y,
            BRAND,
            &card.label.to_uppercase(),
        );
        y += 30.0;
    }
    let title_size = if width(&fonts.bold, 64.0, &card.title) > text_width * 2.0 {
        54.0
    } else {
        64.0
    };
    let measure = |s: &str| width(&fonts.bold, title_size, s);
    for line in wrap(&card.title, text_width, 3, &measure) {
        y += title_size * 1.2;
        draw(&mut img, &fonts.bold, title_size, left, y, INK, &line);
    }
    y += 20.0;
    let measure = |s: &str| width(&fonts.regular, 32.0, s);
    for line in card.lines.iter().take(3) {
        if y + 40.0 > f32::from(HEIGHT as u16) - 150.0 {
            break;
        }
        y += 44.0;
        let shown = wrap(line, text_width, 1, &measure);
        if let Some(l) = shown.first() {
            draw(&mut img, &fonts.regular, 32.0, left, y, MUTED, l);
        }
    }
    let measure = |s: &str| width(&fonts.bold, 32.0, s);
    if let Some(footer) = wrap(&card.footer, 1000.0, 1, &measure).first() {
        draw(
            &mut img,
            &fonts.bold,
            32.0,
            left,
            HEIGHT as f32 - 72.0,
            BRAND,
            footer,
        );
    }
    if let Some(e) = card.emblem {
        let size = 260.0;
        let w = width(&fonts.bold, size, &e.to_string());
        let x = WIDTH as f32 - 110.0 - w;
        draw(&mut img, &fonts.bold, size, x, 390.0, GOLD, &e.to_string());
    }
    Ok(img)
}

/// A card as PNG bytes.
pub fn png(card: &Card) -> Result<Vec<u8>, AppError> {
    let img = draw_card(card)?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character is 10 px wide.
    fn tens(s: &str) -> f32 {
        s.chars().count() as f32 * 10.0
    }

    #[test]
    fn words_wrap_and_overflow_ends_with_an_ellipsis() {
        assert_eq!(wrap("satu dua tiga", 100.0, 3, &tens), ["satu dua", "tiga"]);
        assert_eq!(
            wrap("Tantangan Membaca Liburan Akhir Tahun", 100.0, 2, &tens),
            ["Tantangan", "Membaca…"]
        );
        // A word longer than a line is cut.
        assert_eq!(
            wrap("abcdefghijklmno", 50.0, 3, &tens),
            ["abcde", "fghij", "klmno"]
        );
        assert_eq!(
            wrap("abcdefghijklmnopq", 50.0, 3, &tens),
            ["abcde", "fghij", "klmn…"]
        );
        assert!(wrap("   ", 50.0, 3, &tens).is_empty());
    }

    #[test]
    fn a_card_is_a_png_of_the_right_size_with_text_on_it() {
        let card = Card {
            label: "Kuis".into(),
            title: "Kuis Wong Kito: Seberapa Kenal Kamu dengan Palembang?".into(),
            lines: vec!["5 pertanyaan · batas waktu 5 menit".into()],
            footer: "Perpustakaan Kota Palembang".into(),
            emblem: None,
        };
        let bytes = png(&card).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (WIDTH, HEIGHT));
        // The title's band holds dark ink; an empty card's does not.
        let ink = |img: &RgbImage| {
            (180..320)
                .flat_map(|y| (100..1100).map(move |x| (x, y)))
                .filter(|(x, y)| img.get_pixel(*x, *y).0[0] < 80)
                .count()
        };
        assert!(ink(&img) > 2000, "the title is drawn");
        let blank = draw_card(&Card::default()).unwrap();
        assert_eq!(ink(&blank), 0);
        // A badge's star is gold on the right.
        let badge = draw_card(&Card {
            emblem: Some('★'),
            ..card
        })
        .unwrap();
        let gold = (150..450)
            .flat_map(|y| (850..1130).map(move |x| (x, y)))
            .filter(|(x, y)| badge.get_pixel(*x, *y) == &GOLD)
            .count();
        assert!(gold > 5000, "the star is drawn ({gold})");
    }
}
