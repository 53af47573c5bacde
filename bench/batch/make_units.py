#!/usr/bin/python3
"""Writes the batch benchmark's data: a CSV with one column, `unit`, and 200
Vietnamese union unit names (NFC, full diacritics), the same every run.

Most names are one line on the cover at 40 px (150 of the 200); the others
need two lines, a little smaller, and every 25th row is a long name (about
100 characters) that needs two lines at a shrunk size.

Usage: make_units.py OUT.csv [COUNT]
"""
import csv
import random
import sys
import unicodedata

PROVINCES = [
    "Hà Nội", "Hải Phòng", "Quảng Ninh", "Bắc Ninh", "Hưng Yên", "Thái Bình", "Nam Định", "Ninh Bình",
    "Thanh Hoá", "Nghệ An", "Hà Tĩnh", "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế", "Đà Nẵng", "Quảng Nam",
    "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hoà", "Ninh Thuận", "Bình Thuận", "Kon Tum", "Gia Lai",
    "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Bình Dương", "Đồng Nai", "Bà Rịa – Vũng Tàu",
    "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang",
    "Cần Thơ", "Hậu Giang", "Sóc Trăng", "Bạc Liêu", "Cà Mau", "Lào Cai", "Yên Bái", "Điện Biên",
    "Hoà Bình", "Lai Châu", "Sơn La", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Lạng Sơn", "Tuyên Quang",
    "Thái Nguyên", "Phú Thọ", "Bắc Giang", "Vĩnh Phúc", "Hải Dương", "Hà Nam", "Thành phố Hồ Chí Minh",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
            "Hồ", "Ngô", "Dương", "Lý"]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Quang", "Minh", "Ngọc", "Thanh", "Xuân", "Thế", "Bá", "Khắc"]
GIVEN = ["Trỗi", "Huệ", "Dũng", "Thắng", "Tuấn", "Quyết", "Hưởng", "Nguyệt", "Yến", "Thuỷ", "Khuê", "Ẩn",
         "Ước", "Ứng", "Ốc", "Nhuận", "Duẩn", "Khải", "Toản", "Trãi", "Du", "Chiểu", "Quý Đôn", "Bỉnh Khiêm"]
SECTORS = [
    ("Công đoàn Công ty Điện lực {p}", 6),
    ("Công đoàn Trường THPT {n}", 5),
    ("Công đoàn Bệnh viện Đa khoa {tp}", 3),
    ("Công đoàn Viên chức {tp}", 2),
    ("Liên đoàn Lao động {tp}", 3),
    ("Công đoàn Trường Tiểu học {n}, {p}", 3),
    ("Công đoàn Công ty Cổ phần Cấp nước {p}", 2),
    ("Công đoàn ngành Giáo dục {p}", 2),
    ("Công đoàn Khu công nghiệp {p}", 2),
    ("Công đoàn cơ sở Chi cục Thuế khu vực {p}", 1),
    ("Công đoàn Trường Đại học Sư phạm Kỹ thuật {p}", 1),
    ("Công đoàn Công ty TNHH Một thành viên Xổ số kiến thiết {p}", 1),
]
LONG = [  # need two lines, some at a shrunk size
    "Công đoàn Tổng công ty Điện lực miền Bắc – Công ty Điện lực {p} – Đội Quản lý vận hành lưới điện cao thế",
    "Công đoàn cơ sở Trường Trung học phổ thông chuyên {n}, Sở Giáo dục và Đào tạo {tp}",
    "Công đoàn Tổng công ty Công nghiệp Xi măng Việt Nam – Công ty Cổ phần Xi măng Bỉm Sơn, {p}",
    "Ban Chấp hành Công đoàn Viên chức và Người lao động Bệnh viện Đa khoa Trung ương {tp}",
]


CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Thành phố Hồ Chí Minh"}


def name(rng):
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLES)} {rng.choice(GIVEN)}"


def unit(rng, i):
    if i % 25 == 24:
        t = LONG[(i // 25) % len(LONG)]
    else:
        t = rng.choices([s for s, _ in SECTORS], weights=[w for _, w in SECTORS])[0]
    p = rng.choice(PROVINCES)
    tp = p if p.startswith("Thành phố") else ("thành phố " if p in CITIES else "tỉnh ") + p
    return unicodedata.normalize("NFC", t.format(p=p, tp=tp, n=name(rng)))


def main(out, count=200):
    rng = random.Random(20260101)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["unit"])
        seen = set()
        for i in range(int(count)):
            u = unit(rng, i)
            while u in seen:  # 200 different values
                u = unit(rng, i)
            seen.add(u)
            w.writerow([u])


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    main(*sys.argv[1:])
