#!/usr/bin/env bash
# Wiring of the khung CLI: exit codes, one-line errors, files written.
set -u
khung=$1
make_font=$2  # tests/make_font.cpp: test fonts made from a bundled one
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fonts=$(cd "$(dirname "$0")/../fonts" && pwd)
photo=$(cd "$(dirname "$0")/../assets/photos" && pwd)/astronaut.png
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_usage_error DESCRIPTION EXPECTED_MESSAGE ARGS...: exit 2, one stderr line.
expect_usage_error() {
  local what=$1 message=$2
  shift 2
  "$khung" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  [ "$rc" = 2 ] || fail "$what: exit $rc, expected 2"
  [ "$(wc -l <"$tmp/err")" = 1 ] || fail "$what: stderr is not one line: $(cat "$tmp/err")"
  grep -qxF "khung: error: $message" "$tmp/err" || fail "$what: stderr was: $(cat "$tmp/err")"
  [ ! -e "$tmp/x.png" ] || fail "$what: left an output file"
}

# --version: the project's version, from the root CMakeLists.txt.
version=$(sed -n 's/^project(khung VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../CMakeLists.txt")
[ -n "$version" ] && [ "$("$khung" --version)" = "khung $version" ] || fail "--version: $("$khung" --version 2>&1)"

expect_usage_error "bad font path" "font '/no/such/font.ttf': no such file" \
  text "Việt Nam" --font /no/such/font.ttf --size 40 -o "$tmp/x.png"
expect_usage_error "empty string" "text: is empty" \
  text "" --font "$fonts/NotoSans-Regular.ttf" --size 40 -o "$tmp/x.png"
expect_usage_error "size 0" "text size 0: must be between 1 and 2048 px" \
  text "Việt Nam" --font "$fonts/NotoSans-Regular.ttf" --size 0 -o "$tmp/x.png"
expect_usage_error "bad colour" "colour 'reddish': expected #RGB, #RGBA, #RRGGBB, #RRGGBBAA, black, white or transparent" \
  text "Việt Nam" --font "Noto Sans" --size 40 --color reddish -o "$tmp/x.png"
expect_usage_error "missing size" "--size is required" \
  text "Việt Nam" --font "Noto Sans" -o "$tmp/x.png"

# khung serve refuses to start on an empty signing key (it would serve every
# text unsigned) and on a CORS origin no browser sends; before binding.
expect_usage_error "empty signing key" "--signing-key: empty; give a key, or leave it out to serve without signatures" \
  serve --port 0 --signing-key ''
KHUNG_SIGNING_KEY= expect_usage_error "empty signing key variable" \
  "KHUNG_SIGNING_KEY: empty; give a key, or leave it out to serve without signatures" serve --port 0
expect_usage_error "origin without a scheme" \
  "CORS origin 'congdoan.vn': must be scheme://host[:port] in lower case, with no path or trailing '/' (as a browser sends it, e.g. https://congdoan.vn), or *" \
  serve --port 0 --cors-origin congdoan.vn
# ...and says at start whether signing is on.
for key in "" "k"; do
  if [ -n "$key" ]; then export KHUNG_SIGNING_KEY=$key; fi
  # The last round's line must not end this round's wait: a TERM sent
  # before the forked shell has become khung would run its copy of the
  # EXIT trap and remove $tmp.
  rm -f "$tmp/serve.out"
  (trap - EXIT; exec "$khung" serve --port 0 --quiet) >"$tmp/serve.out" 2>&1 &
  pid=$!
  for _ in $(seq 50); do [ -s "$tmp/serve.out" ] && break; sleep 0.1; done
  kill -TERM $pid; wait $pid
  expected="(signing off; anyone may render any text)"
  [ -n "$key" ] && expected="(signing on)"
  grep -qF "$expected" "$tmp/serve.out" || fail "serve start-up line: $(cat "$tmp/serve.out")"
  unset KHUNG_SIGNING_KEY
done

# A good call writes a PNG tight to the ink.
"$khung" text "ỄỆ ẤẬ Việt Nam" --font "$fonts/NotoSerif-Bold.ttf" --size 64 --color "#C8102E" -o "$tmp/ok.png" 2>"$tmp/err" \
  || fail "text: exit $?: $(cat "$tmp/err")"
[ "$(head -c 8 "$tmp/ok.png" | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] || fail "text: not a PNG"
[ ! -s "$tmp/err" ] || fail "text: unexpected stderr: $(cat "$tmp/err")"
ls "$tmp" | grep -q tmp- && fail "text: left a temporary file"

# A family name works too; a character no font has is named on stderr.
"$khung" text "Xin chào 中" --font "Noto Sans" --weight 700 --size 40 -o "$tmp/missing.png" 2>"$tmp/err" \
  || fail "missing: exit $?"
grep -qxF "khung: warning: text: no font has U+4E2D; it is left blank" "$tmp/err" || fail "missing: stderr was: $(cat "$tmp/err")"

# A render failure (unwritable output) exits 1.
"$khung" text "Việt Nam" --font "Noto Sans" --size 40 -o "$tmp/no-dir/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "unwritable output: expected exit 1"
grep -q "^khung: error: output '$tmp/no-dir/x.png': " "$tmp/err" || fail "unwritable: $(cat "$tmp/err")"

# The demo renders every bundled template.
(cd "$tmp" && "$khung" demo >/dev/null) || fail "demo: exit $?"
for f in cover.png frame-ring.png frame-ribbon.png post.png poster-qr.png web-banner.png; do
  [ -s "$tmp/khung-demo/$f" ] || fail "demo: $f missing"
done

# render: a banner from fields, a frame from a photo, every output format.
"$khung" render cover --set "unit=Công đoàn Điện lực Hà Nội" -o "$tmp/cover.jpg" --quality 85 2>"$tmp/err" \
  || fail "render cover: exit $?: $(cat "$tmp/err")"
[ "$(head -c 3 "$tmp/cover.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] || fail "render: not a JPEG"
"$khung" render frame-ring -p "$photo" --zoom 1.2 --offset 0.05,-0.02 --rotate 3 --focus face --width 540 \
  -o "$tmp/frame.webp" 2>"$tmp/err" || fail "render frame: exit $?: $(cat "$tmp/err")"
[ "$(head -c 12 "$tmp/frame.webp" | tail -c 4)" = WEBP ] || fail "render: not a WebP"
# One render written in two formats.
"$khung" render cover --set "unit=Công đoàn" -o "$tmp/two.png" -o "$tmp/two.jpg" || fail "render two outputs: exit $?"
[ "$(head -c 4 "$tmp/two.png" | tail -c 3)" = PNG ] && [ "$(head -c 3 "$tmp/two.jpg" | od -An -tx1 | tr -d ' ')" = ffd8ff ] \
  || fail "render two outputs: expected a PNG and a JPEG"
expect_usage_error "bad second output" "output '$tmp/x.gif': unsupported extension '.gif' (supported: .png, .jpg, .jpeg, .webp)" render cover --set unit=x -o "$tmp/x.png" -o "$tmp/x.gif"
(cd "$tmp" && "$khung" render web-banner) || fail "render default output: exit $?"
[ -s "$tmp/web-banner.png" ] || fail "render: default output web-banner.png missing"

expect_usage_error "unknown template" "template 'nope': no such template" render nope -o "$tmp/x.png"
expect_usage_error "missing field" "field 'unit': missing (template 'cover' needs: unit)" render cover -o "$tmp/x.png"
expect_usage_error "bad --set" "--set 'unit': expected KEY=VALUE" render cover --set unit -o "$tmp/x.png"
# A blank value (empty, spaces, a no-break or ideographic space) is a missing
# field; a field with a default takes it.
for blank in "" "   " $'\u00a0' $'\u3000'; do
  expect_usage_error "blank --set '$blank'" "field 'unit': missing (template 'cover' needs: unit)" \
    render cover --set "unit=$blank" -o "$tmp/x.png"
done
"$khung" render web-banner -o "$tmp/default.png" && "$khung" render web-banner --set $'unit=\u3000' -o "$tmp/blank.png" \
  || fail "blank with a default: exit $?"
cmp -s "$tmp/default.png" "$tmp/blank.png" || fail "blank with a default: not the default's render"
expect_usage_error "frame without photo" "template 'frame-ring': needs a photo" render frame-ring -o "$tmp/x.png"
expect_usage_error "bad focus" "--focus: 'eyes' is not one of: center, face" render frame-ring -p "$photo" --focus eyes -o "$tmp/x.png"
# --width 0 is a width like any other, out of range; not "the template's".
expect_usage_error "width 0" "width 0: must be between 16 and 6560 px" render cover --set unit=x --width 0 -o "$tmp/x.png"
expect_usage_error "batch width 0" "width 0: must be between 16 and 4320 px" \
  batch post --data /dev/null -o "$tmp/x.png" --width 0
expect_usage_error "bad offset" "--offset '1;2': expected DX,DY, for example 0.1,-0.05" render frame-ring -p "$photo" --offset "1;2" -o "$tmp/x.png"

# A photo that is not an image fails the render (exit 1), naming the file.
echo "not a photo" >"$tmp/fake.jpg"
"$khung" render frame-ring -p "$tmp/fake.jpg" -o "$tmp/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "fake photo: expected exit 1"
grep -q "^khung: error: photo '$tmp/fake.jpg': " "$tmp/err" || fail "fake photo: $(cat "$tmp/err")"
[ ! -e "$tmp/x.png" ] || fail "fake photo: left an output file"

# Hostile photos fail the render (exit 1) with their reason, leaving no
# output and never touching a file already at the output path.
: >"$tmp/empty.jpg"
printf 'GIF89a\x60\xea\x60\xea\x80\0\0\0\0\0\xff\xff\xff;' >"$tmp/bomb.gif"
head -c 2000 "$photo" >"$tmp/cut.png"
echo "the previous render" >"$tmp/kept.png"
for case in "empty.jpg|not an image Khung reads (JPEG, PNG, WebP, HEIC, GIF, BMP, TGA, PSD): the data is empty" \
            "bomb.gif|GIF image 60000x60000: over the 50000000-pixel limit" \
            "cut.png|PNG data is truncated (the file is incomplete)"; do
  file=${case%%|*} why=${case#*|}
  "$khung" render frame-ring -p "$tmp/$file" -o "$tmp/x.png" 2>"$tmp/err"
  [ $? = 1 ] || fail "$file: expected exit 1"
  grep -qxF "khung: error: photo '$tmp/$file': $why" "$tmp/err" || fail "$file: stderr was: $(cat "$tmp/err")"
  [ ! -e "$tmp/x.png" ] || fail "$file: left an output file"
  "$khung" render frame-ring -p "$tmp/$file" -o "$tmp/kept.png" 2>/dev/null
  [ "$(cat "$tmp/kept.png")" = "the previous render" ] || fail "$file: replaced the file at the output path"
done
ls -a "$tmp" | grep -q '\.tmp-' && fail "hostile photos: left a temporary file"

# A field longer than the library takes (one argument is at most 128 KiB on
# Linux, so the CLI never sees a megabyte) is bad usage, named.
long=$(head -c 100000 /dev/zero | tr '\0' x)
expect_usage_error "long field" "field 'unit': 100000 bytes, over the 65536-byte limit" render cover --set "unit=$long" -o "$tmp/x.png"

# A template whose paths leave its folder is refused, naming the path.
mkdir -p "$tmp/tpl"
printf '{"width": 10, "height": 10, "layers": [{"type": "image", "src": "../../../etc/passwd"}]}' >"$tmp/tpl/evil.json"
"$khung" render "$tmp/tpl/evil.json" -o "$tmp/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "evil template: expected exit 1"
grep -qxF "khung: error: template '$tmp/tpl/evil.json': layers[0].src: '../../../etc/passwd' must stay inside the template's folder ('..' is refused)" "$tmp/err" \
  || fail "evil template: stderr was: $(cat "$tmp/err")"
[ ! -e "$tmp/x.png" ] || fail "evil template: left an output file"

# A template elsewhere uses the bundled artwork by bundled:, and only inside it.
printf '{"width": 200, "height": 200, "layers": [{"type": "image", "src": "bundled:images/emblem.png"}]}' >"$tmp/tpl/mine.json"
"$khung" render "$tmp/tpl/mine.json" -o "$tmp/mine.png" 2>"$tmp/err" || fail "bundled: exit $?: $(cat "$tmp/err")"
[ -s "$tmp/mine.png" ] || fail "bundled: no output"
printf '{"width": 10, "height": 10, "layers": [{"type": "image", "src": "bundled:../x.png"}]}' >"$tmp/tpl/out.json"
"$khung" render "$tmp/tpl/out.json" -o "$tmp/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "bundled:../: expected exit 1"
grep -qxF "khung: error: template '$tmp/tpl/out.json': layers[0].src: 'bundled:../x.png' must stay inside the bundled assets folder ('..' is refused)" "$tmp/err" \
  || fail "bundled:../: stderr was: $(cat "$tmp/err")"

# templates: the table and the JSON.
"$khung" templates | grep -q "^frame-ring  *frame  *1080x1080" || fail "templates: no frame-ring row"
"$khung" templates --json | grep -q '"id": "cover"' || fail "templates --json: no cover"

# --sample: the declared sample values for fields not given by --set, the
# pixels khung demo draws; a frame without -p frames the sample photo.
"$khung" render cover --sample -o "$tmp/sample.png" 2>"$tmp/err" || fail "render --sample: exit $?: $(cat "$tmp/err")"
cmp -s "$tmp/sample.png" "$tmp/khung-demo/cover.png" || fail "render --sample: not the demo's cover"
"$khung" render post --sample --set "name=Lê Văn Lợi" -o "$tmp/sample-post.png" || fail "render --sample --set: exit $?"
"$khung" render post --set "name=Lê Văn Lợi" --set "unit=Công đoàn Công ty Cổ phần Dệt may Huế" -o "$tmp/set-post.png" \
  || fail "render post: exit $?"
cmp -s "$tmp/sample-post.png" "$tmp/set-post.png" || fail "render --sample: --set does not win over the sample"
"$khung" render frame-ring --sample --focus face -o "$tmp/sample-ring.png" 2>"$tmp/err" || fail "frame --sample: exit $?: $(cat "$tmp/err")"
cmp -s "$tmp/sample-ring.png" "$tmp/khung-demo/frame-ring.png" || fail "frame --sample: not the demo's frame"
printf '%s\n' '{"width": 300, "height": 100, "fields": {"name": {"label": "Họ và tên", "sample": "Nguyễn Thị Phượng"}},' \
  ' "layers": [{"type": "text", "text": "Chào {{name}}", "box": [10, 10, 280, 80], "font": {"family": "Noto Sans", "size": [8, 40]}}]}' \
  >"$tmp/tpl/hello.json"
expect_usage_error "own template without --sample" "field 'name': missing (template 'hello' needs: name)" \
  render "$tmp/tpl/hello.json" -o "$tmp/x.png"
"$khung" render "$tmp/tpl/hello.json" --sample -o "$tmp/hello.png" || fail "own template --sample: exit $?"
"$khung" render "$tmp/tpl/hello.json" --set "name=Nguyễn Thị Phượng" -o "$tmp/hello-set.png" || fail "own template: exit $?"
cmp -s "$tmp/hello.png" "$tmp/hello-set.png" || fail "own template --sample: not its sample"
expect_usage_error "--sample with an unknown --set" "field 'nam': not used by template 'hello' (its fields: name)" \
  render "$tmp/tpl/hello.json" --sample --set nam=x -o "$tmp/x.png"

# The poster's QR code: the link given reads back (zbarimg, from zbar-tools);
# one too long for a QR code fails the render (exit 1) naming the layer.
"$khung" render poster-qr --set "link=https://congdoan.vn/khung?đơn-vị=Huế" -o "$tmp/poster.png" 2>"$tmp/err" \
  || fail "poster: exit $?: $(cat "$tmp/err")"
[ "$(zbarimg --nodbus --raw -q "$tmp/poster.png" 2>/dev/null)" = "https://congdoan.vn/khung?đơn-vị=Huế" ] \
  || fail "poster: the QR code does not read back as the link"
"$khung" render poster-qr --set "link=https://a.vn/$(printf 'x%.0s' $(seq 1700))" -o "$tmp/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "poster, link too long: expected exit 1"
grep -qxF "khung: error: layers[11]: the QR data is 1713 bytes, more than a QR code holds at level Q (1663 bytes)" "$tmp/err" \
  || fail "poster, link too long: stderr was: $(cat "$tmp/err")"
[ ! -e "$tmp/x.png" ] || fail "poster, link too long: left an output file"

# templates DIR: a folder of one's own, in both formats; a missing folder is bad usage.
rm -f "$tmp/tpl/evil.json" "$tmp/tpl/out.json"
"$khung" templates "$tmp/tpl" >"$tmp/out" 2>"$tmp/err" || fail "templates DIR: exit $?: $(cat "$tmp/err")"
[ "$(awk '{print $1, $2, $3, $4, $5}' "$tmp/out")" = "$(printf 'hello banner 300x100 - name\nmine banner 200x200 - -')" ] \
  || fail "templates DIR: $(cat "$tmp/out")"
"$khung" templates "$tmp/tpl" --json >"$tmp/out" || fail "templates DIR --json: exit $?"
/usr/bin/python3 -c 'import json, sys; t = json.load(open(sys.argv[1])); assert [(x["id"], x["kind"], x["width"], x["height"], x["fields"], x["photo"]) for x in t] == [("hello", "banner", 300, 100, ["name"], False), ("mine", "banner", 200, 200, [], False)], t' \
  "$tmp/out" || fail "templates DIR --json: $(cat "$tmp/out")"
expect_usage_error "templates of a missing folder" "templates folder '$tmp/none': no such folder" templates "$tmp/none"

# check: the bundled templates pass with their sample fields.
"$khung" check post >"$tmp/out" || fail "check post: exit $?"
grep -qx "post: ok (banner 1080x1080, checked with sample fields)" "$tmp/out" || fail "check: $(cat "$tmp/out")"

# check: a character the font lacks, drawn from a fallback, is a note, not a failure.
printf '{"width": 600, "height": 100, "layers": [{"type": "text", "text": "★ {{unit}}", "box": [0, 0, 600, 100], "font": {"family": "Noto Sans", "size": 40}}]}' >"$tmp/tpl/star.json"
"$khung" check "$tmp/tpl/star.json" >"$tmp/out" || fail "check star: exit $?"
[ "$(cat "$tmp/out")" = "star: layers[0].font: note: font 'Noto Sans Regular' (NotoSans-Regular.ttf) lacks some characters, drawn from fallback fonts: ★ (U+2605) from Noto Sans Symbols2 Regular
star: ok (banner 600x100, checked with sample fields)" ] || fail "check star: $(cat "$tmp/out")"

# A template folder's own fonts, by family name; legacy Vietnamese fonts refused.
mkdir -p "$tmp/own"
"$make_font" "$fonts/NotoSerif-Regular.ttf" "$tmp/own/house.ttf" "House Serif" || fail "make_font house"
"$make_font" "$fonts/NotoSans-Regular.ttf" "$tmp/own/few.ttf" "Few Sans" --only "ắđĐ" || fail "make_font few"
"$make_font" "$fonts/NotoSans-Regular.ttf" "$tmp/own/vntime.ttf" ".VnTime" --legacy tcvn3 || fail "make_font vntime"
"$make_font" "$fonts/NotoSans-Regular.ttf" "$tmp/own/vni.ttf" "VNI-Times" --legacy vni || fail "make_font vni"
own_banner() {  # own_banner NAME FAMILY
  printf '{"width": 400, "height": 100, "layers": [{"type": "fill", "color": "#FFFFFF"}, {"type": "text", "text": "Tự hào {{unit}}", "box": [0, 0, 400, 100], "font": {"family": "%s", "size": 32}}]}' "$2" >"$tmp/own/$1.json"
}
own_banner by-name "House Serif"
own_banner by-file "house.ttf"
"$khung" render "$tmp/own/by-name.json" --set "unit=Việt Nam" -o "$tmp/by-name.png" 2>"$tmp/err" || fail "own font by name: exit $?: $(cat "$tmp/err")"
"$khung" render "$tmp/own/by-file.json" --set "unit=Việt Nam" -o "$tmp/by-file.png" || fail "own font by file: exit $?"
cmp -s "$tmp/by-name.png" "$tmp/by-file.png" || fail "own font by name: not the file's pixels"
own_banner typo "Robotto"
"$khung" render "$tmp/own/typo.json" --set unit=x -o "$tmp/x.png" 2>"$tmp/err"
[ $? = 1 ] || fail "unknown family: expected exit 1"
grep -qxF "khung: error: template '$tmp/own/typo.json': layers[1].font.family: font 'Robotto': no such family (available: .VnTime, Few Sans, House Serif, Noto Sans, Noto Sans Symbols2, Noto Serif, VNI-Times)" "$tmp/err" \
  || fail "unknown family: $(cat "$tmp/err")"
own_banner few "Few Sans"
"$khung" check "$tmp/own/few.json" >"$tmp/out" || fail "check few: exit $?: $(cat "$tmp/out")"
grep -q "^few: layers\[1\]\.font: note: font 'Few Sans Regular' (few.ttf) lacks 131 of the 134 Vietnamese letters: à á ả ã ạ ă ằ ẳ .* Ỹ Ỵ; fallback fonts draw them, in another typeface$" "$tmp/out" \
  || fail "check few: $(cat "$tmp/out")"
for legacy in "vntime .VnTime TCVN3" "vni VNI-Times VNI"; do
  set -- $legacy
  own_banner "$1" "$2"
  message="khung: error: template '$tmp/own/$1.json': layers[1].font.family: font '$2' ($1.ttf) is $3-encoded: its Vietnamese letters sit on Latin-1 code points, so Unicode text would be drawn wrong; use a Unicode font such as Noto Sans"
  for command in render check; do
    if [ $command = render ]; then
      "$khung" render "$tmp/own/$1.json" --set unit=x -o "$tmp/x.png" >"$tmp/out" 2>"$tmp/err"
    else
      "$khung" check "$tmp/own/$1.json" >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    [ $rc = 1 ] || fail "$command $2: exit $rc, expected 1"
    grep -qxF "$message" "$tmp/err" || fail "$command $2: stderr was: $(cat "$tmp/err")"
  done
  [ ! -e "$tmp/x.png" ] || fail "render $2: left an output file"
done

# check: text cut off by the canvas edge fails, naming the layer's box and the pixels; render warns.
printf '{"width": 600, "height": 100, "layers": [{"type": "text", "text": "{{unit}}", "box": [400, 0, 400, 100], "font": {"family": "Noto Sans", "size": 40}}], "fields": {"unit": {"sample": "Công đoàn Điện lực"}}}' >"$tmp/tpl/edge.json"
"$khung" check "$tmp/tpl/edge.json" >"$tmp/out"
[ $? = 1 ] || fail "check edge: expected exit 1"
grep -q "^edge: layers\[0\].box: the text is cut off by the canvas edge: its ink leaves the 600x100 canvas by [0-9]* px at the right (the box \[400, 0, 400, 100\] leaves it by 200 px at the right)$" "$tmp/out" \
  || fail "check edge: $(cat "$tmp/out")"
grep -qxF "edge: layers[0].box: note: the text box [400, 0, 400, 100] leaves the 600x100 canvas by 200 px at the right; text whose ink reaches there is cut off" "$tmp/out" \
  || fail "check edge note: $(cat "$tmp/out")"
grep -qxF "edge: 1 problem(s) (banner 600x100, checked with sample fields)" "$tmp/out" || fail "check edge summary: $(cat "$tmp/out")"
"$khung" render "$tmp/tpl/edge.json" --set "unit=Công đoàn Điện lực" -o "$tmp/edge.png" 2>"$tmp/err" || fail "render edge: exit $?"
grep -q "^khung: warning: layers\[0\].box: the text is cut off by the canvas edge: " "$tmp/err" || fail "render edge: $(cat "$tmp/err")"

# batch: per-row errors with row numbers, a summary, exit 1 when a row fails.
printf 'name,unit\nNguyễn Thị Phượng,Công đoàn Dệt may Huế\n,Thiếu tên\nLê Văn Lợi,Công đoàn Điện lực\n' >"$tmp/rows.csv"
"$khung" batch post --data "$tmp/rows.csv" -o "$tmp/batch" --name "{{name|slug}}.jpg" --width 270 >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "batch with a bad row: expected exit 1"
grep -qxF "khung: error: row 2 (line 3): field 'name': missing" "$tmp/err" || fail "batch: per-row error: $(cat "$tmp/err")"
grep -q "^khung: batch: 2 rendered, 1 failed, 0 skipped of 3 rows in " "$tmp/err" || fail "batch: summary: $(cat "$tmp/err")"
[ -s "$tmp/batch/nguyen-thi-phuong.jpg" ] && [ -s "$tmp/batch/le-van-loi.jpg" ] || fail "batch: outputs missing"
[ "$(wc -l <"$tmp/batch/report.csv")" = 4 ] || fail "batch: report.csv should have a header and 3 rows"
[ "$(head -c 3 "$tmp/batch/report.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "batch: report.csv has no UTF-8 BOM"
# A Windows-1258 file (Excel's plain "CSV") is refused, saying how to save it.
printf 'name,unit\nAn,T\xf4 1\n' >"$tmp/cp1258.csv"
expect_usage_error "batch of a Windows-1258 CSV" \
  "data '$tmp/cp1258.csv': line 2: invalid UTF-8: the file is in another encoding (Windows-1258?); in Excel, save it as \"CSV UTF-8 (Comma delimited)\"" \
  batch post --data "$tmp/cp1258.csv" -o "$tmp/x.png"
expect_usage_error "bad shard" "--shard '2': expected I/N, for example 0/3" batch post --data "$tmp/rows.csv" -o "$tmp/b2" --shard 2
expect_usage_error "bad legacy" "--legacy: 'abc' is not one of: tcvn3, vni" batch post --data "$tmp/rows.csv" -o "$tmp/b2" --legacy abc

# A 1 MB cell fails its row, named, and the other rows render.
{ printf 'name,unit\nAn,Tổ 1\n"'; head -c 1048576 /dev/zero | tr '\0' y; printf '",Tổ 2\nBình,Tổ 3\n'; } >"$tmp/big.csv"
"$khung" batch post --data "$tmp/big.csv" -o "$tmp/big" --width 270 >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "batch with a 1 MB cell: expected exit 1"
grep -qxF "khung: error: row 2 (line 3): field 'name': 1048576 bytes, over the 65536-byte limit" "$tmp/err" \
  || fail "batch with a 1 MB cell: $(head -c 300 "$tmp/err")"
[ "$(ls "$tmp/big")" = "$(printf '1.png\n3.png\nreport.csv')" ] || fail "batch with a 1 MB cell: outputs: $(ls -a "$tmp/big")"

# Legacy text: the library names the encoding, the CLI the flag that converts it.
printf 'name,unit\nViÖt Nam,Tổ 1\n' >"$tmp/legacy.csv"
"$khung" batch post --data "$tmp/legacy.csv" -o "$tmp/legacy" --width 270 >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "batch with legacy text: expected exit 1"
grep -qxF "khung: error: row 1 (line 2): field 'name': looks like tcvn3 text (render with --legacy tcvn3)" "$tmp/err" \
  || fail "batch with legacy text: $(cat "$tmp/err")"
grep -qxF "1,2,1.png,failed,field 'name': looks like tcvn3 text" "$tmp/legacy/report.csv" \
  || fail "batch with legacy text: report: $(cat "$tmp/legacy/report.csv")"
"$khung" check post --data "$tmp/legacy.csv" >"$tmp/out" 2>"$tmp/err"
grep -qxF "$tmp/legacy.csv: row 1 (line 2): field 'name': looks like tcvn3 text (render with --legacy tcvn3)" "$tmp/out" \
  || fail "check with legacy text: $(cat "$tmp/out" "$tmp/err")"

# Characters no font has: render warns on stderr and still writes the image
# (exit 0); batch reports such rows with their own status and counts them.
"$khung" render cover --set "unit=Công đoàn 🎉" -o "$tmp/party.png" 2>"$tmp/err" || fail "render with 🎉: exit $?"
[ "$(cat "$tmp/err")" = "khung: warning: field 'unit': no font has U+1F389; it is left blank" ] \
  || fail "render with 🎉: stderr was: $(cat "$tmp/err")"
[ -s "$tmp/party.png" ] || fail "render with 🎉: no output"
printf 'name,unit\nAn,Tổ 1\nBình 😀,Tổ 2\n' >"$tmp/party.csv"
"$khung" batch post --data "$tmp/party.csv" -o "$tmp/party" --width 270 >/dev/null 2>"$tmp/err" || fail "batch with 😀: exit $?"
grep -qxF "khung: warning: row 2 (line 3): field 'name': no font has U+1F600; it is left blank" "$tmp/err" \
  || fail "batch with 😀: per-row warning: $(cat "$tmp/err")"
grep -q "^khung: batch: 2 rendered (1 with warnings), 0 failed, 0 skipped of 2 rows in " "$tmp/err" \
  || fail "batch with 😀: summary: $(cat "$tmp/err")"
grep -qxF "2,3,2.png,rendered with warnings,field 'name': no font has U+1F600; it is left blank" "$tmp/party/report.csv" \
  || fail "batch with 😀: report: $(cat "$tmp/party/report.csv")"

# check --data: one line per problem, exit 1 when a row would fail.
"$khung" check post --data "$tmp/rows.csv" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "check --data: expected exit 1"
grep -qxF "$tmp/rows.csv: row 2 (line 3): field 'name': missing" "$tmp/out" || fail "check --data: $(cat "$tmp/out")"
grep -qxF "post: 2 of 3 rows ok, 1 would fail (banner 1080x1080)" "$tmp/out" || fail "check --data summary: $(cat "$tmp/out")"
# Headers may be the fields' labels, in any case.
printf 'HỌ VÀ TÊN,Đơn vị\nNguyễn Thị Phượng,Tổ 1\n' >"$tmp/labels.csv"
"$khung" check post --data "$tmp/labels.csv" >"$tmp/out" 2>"$tmp/err" || fail "check label headers: exit $?: $(cat "$tmp/out" "$tmp/err")"
grep -qxF "post: 1 of 1 rows ok (banner 1080x1080)" "$tmp/out" || fail "check label headers: $(cat "$tmp/out")"

# check flags a cell of spaces as batch fails it.
printf 'name,unit\n\xc2\xa0 ,Tổ 1\n' >"$tmp/blank.csv"
"$khung" check post --data "$tmp/blank.csv" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "check a blank cell: expected exit 1"
grep -qxF "$tmp/blank.csv: row 1 (line 2): field 'name': missing" "$tmp/out" || fail "check a blank cell: $(cat "$tmp/out")"

# sign: the URL printed as a browser sends it, signed in that form (the
# HMAC computed here with Python's hmac module); typed or encoded, the same.
sent='/v1/render/cover?unit=C%C3%B4ng%20%C4%91o%C3%A0n'
sig=$(/usr/bin/python3 -c 'import hashlib, hmac, sys; print(hmac.new(b"k", sys.argv[1].encode(), hashlib.sha256).hexdigest())' "$sent")
out=$("$khung" sign '/v1/render/cover?unit=Công đoàn' --key k 2>"$tmp/err") || fail "sign: exit $?: $(cat "$tmp/err")"
[ "$out" = "$sent&sig=$sig" ] || fail "sign: printed $out"
[ "$("$khung" sign "$sent" --key k)" = "$sent&sig=$sig" ] || fail "sign: the encoded URL signs differently"
expect_usage_error "sign a dot segment" "url '/v1/render/../x': a '.' or '..' segment, which a browser would remove from the path" \
  sign /v1/render/../x --key k

# Copied elsewhere and run from PATH or through a symbolic link (as in a
# container image), the program opens the modules beside its own file: a
# broken libkhung-cv.so there is the one it tries, not the build folder's.
# A text shadow needs it; a photo, even turned, does not (the photo path is
# Khung's own).
mkdir -p "$tmp/bin" "$tmp/links" "$tmp/cwd"
cp "$khung" "$(dirname "$khung")/khung-serve" "$tmp/bin/"
echo "not a module" >"$tmp/bin/libkhung-cv.so"
ln -s "$tmp/bin/khung" "$tmp/links/khung"
for how in path link; do
  if [ $how = path ]; then run=(env "PATH=$tmp/bin:$PATH" khung); else run=("$tmp/links/khung"); fi
  (cd "$tmp/cwd" && "${run[@]}" render frame-ring -p "$photo" --rotate 3 -o "$tmp/x.png") 2>"$tmp/err" \
    || fail "modules ($how): a turned photo needed a module: $(cat "$tmp/err")"
  (cd "$tmp/cwd" && "${run[@]}" render cover --sample -o "$tmp/x.png") 2>"$tmp/err"
  [ $? = 1 ] || fail "modules ($how): expected exit 1"
  grep -q "^khung: error: module '$tmp/bin/libkhung-cv.so': cannot be loaded" "$tmp/err" \
    || fail "modules ($how): stderr was: $(cat "$tmp/err")"
done

# khung new frame: a template around a bundled overlay, which is copied
# into the folder; it renders with a photo.
rm -f "$tmp/x.png"  # expect_usage_error checks that no x.png is left
frames=$(cd "$(dirname "$0")/../assets/templates/frames" && pwd)
cp "$frames/ring.png" "$tmp/Vòng Đỏ.png"
"$khung" new frame "$tmp/Vòng Đỏ.png" --dir "$tmp/designs" >"$tmp/out" 2>"$tmp/err" || fail "new frame: exit $?: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "new frame: a good overlay was warned about: $(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "$tmp/designs/frames/vong-do.png
$tmp/designs/vong-do.json" ] || fail "new frame: printed $(cat "$tmp/out")"
cmp -s "$tmp/Vòng Đỏ.png" "$tmp/designs/frames/vong-do.png" || fail "new frame: the overlay was not copied"
grep -qF '"src":"frames/vong-do.png"' "$tmp/designs/vong-do.json" || fail "new frame: $(cat "$tmp/designs/vong-do.json")"
grep -qF '"title": "Vòng Đỏ"' "$tmp/designs/vong-do.json" || fail "new frame title: $(cat "$tmp/designs/vong-do.json")"
"$khung" render "$tmp/designs/vong-do.json" -p "$photo" -o "$tmp/framed.png" 2>"$tmp/err" \
  || fail "new frame: the template does not render: $(cat "$tmp/err")"
[ -s "$tmp/framed.png" ] || fail "new frame: no render"
# An overlay inside the folder is used where it is.
"$khung" new frame "$tmp/designs/frames/vong-do.png" --id ring2 --title "Khung 2" --dir "$tmp/designs" >/dev/null \
  || fail "new frame inside: exit $?"
grep -qF '"src":"frames/vong-do.png"' "$tmp/designs/ring2.json" || fail "new frame inside: $(cat "$tmp/designs/ring2.json")"
# An existing template is kept unless --force.
"$khung" new frame "$tmp/Vòng Đỏ.png" --dir "$tmp/designs" >/dev/null 2>"$tmp/err"
[ $? = 1 ] || fail "new frame over an existing template: expected exit 1"
grep -qxF "khung: error: template '$tmp/designs/vong-do.json': already exists (force replaces it)" "$tmp/err" \
  || fail "new frame existing: stderr was: $(cat "$tmp/err")"
"$khung" new frame "$tmp/Vòng Đỏ.png" --dir "$tmp/designs" --title "Mới" --force >/dev/null || fail "new frame --force: exit $?"
grep -qF '"title": "Mới"' "$tmp/designs/vong-do.json" || fail "new frame --force: not replaced"
# An overlay with no transparent hole is refused, and nothing is written.
"$khung" new frame "$photo" --dir "$tmp/nohole" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "new frame without a hole: expected exit 1"
grep -qxF "khung: error: overlay '$photo': the overlay has no transparent hole for an auto photo window" "$tmp/err" \
  || fail "new frame without a hole: stderr was: $(cat "$tmp/err")"
[ ! -e "$tmp/nohole" ] || fail "new frame without a hole: wrote $(ls -R "$tmp/nohole")"
"$khung" new frame "$tmp/no-such.png" --dir "$tmp/nohole" 2>"$tmp/err"
[ $? = 1 ] || fail "new frame of a missing file: expected exit 1"
grep -q "^khung: error: overlay '$tmp/no-such.png': " "$tmp/err" || fail "new frame missing: stderr was: $(cat "$tmp/err")"
[ ! -e "$tmp/nohole" ] || fail "new frame of a missing file: made the folder"
# Advice is printed as warnings, and the template is written: an 800 px
# ring drawn by khung itself.
mkdir -p "$tmp/art"
echo '{"width": 800, "height": 800, "layers": [{"type": "fill", "color": "#C8102E",
  "shape": {"type": "ring", "center": [400, 400], "inner": 250, "outer": 600}}]}' >"$tmp/art/small.json"
"$khung" render "$tmp/art/small.json" -o "$tmp/art/small.png" || fail "small overlay: exit $?"
"$khung" new frame "$tmp/art/small.png" --dir "$tmp/designs" >"$tmp/out" 2>"$tmp/err" || fail "new frame small: exit $?"
[ "$(cat "$tmp/err")" = "khung: warning: overlay '$tmp/art/small.png': the image is 800x800, under 1080 px on a side; make it at least 1080x1080 so that the framed photo stays sharp on phones" ] \
  || fail "new frame small: stderr was: $(cat "$tmp/err")"
[ -s "$tmp/designs/small.json" ] || fail "new frame small: no template"
expect_usage_error "bad id" "template id 'Ring': ids are 1 to 64 lower-case letters, digits, '-' and '_', not starting with '-' or '_'" \
  new frame "$frames/ring.png" --id Ring --dir "$tmp/designs"
[ ! -e "$tmp/designs/Ring.json" ] || fail "bad id: wrote a template"

# khung new banner: passes khung check, renders with its sample and a name.
"$khung" new banner --size 1200x400 --dir "$tmp/designs" >"$tmp/out" 2>"$tmp/err" || fail "new banner: exit $?: $(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "$tmp/designs/banner.json" ] || fail "new banner: printed $(cat "$tmp/out")"
"$khung" check "$tmp/designs/banner.json" >"$tmp/out" 2>&1 || fail "new banner: check failed: $(cat "$tmp/out")"
"$khung" render "$tmp/designs/banner.json" --set "name=Lê Văn Lợi" -o "$tmp/banner.png" 2>"$tmp/err" \
  || fail "new banner: render: $(cat "$tmp/err")"
grep -qF '"name":{"label":"Họ và tên","sample":"Nguyễn Thị Phượng"}' "$tmp/designs/banner.json" \
  || fail "new banner fields: $(cat "$tmp/designs/banner.json")"
"$khung" new banner --size 1640x624 --background "$photo" --id cover2 --title "Ảnh bìa" --dir "$tmp/designs" >/dev/null \
  || fail "new banner with a background: exit $?"
grep -qF '"src":"images/cover2.png","fit":"cover"' "$tmp/designs/cover2.json" || fail "new banner background: $(cat "$tmp/designs/cover2.json")"
"$khung" check "$tmp/designs/cover2.json" >"$tmp/out" 2>&1 || fail "new banner background: check failed: $(cat "$tmp/out")"
"$khung" render "$tmp/designs/cover2.json" --sample -o "$tmp/cover2.png" || fail "new banner background: render"
expect_usage_error "bad --size" "--size '1200': expected WIDTHxHEIGHT in px, e.g. 1640x624" new banner --size 1200 --dir "$tmp/designs"
expect_usage_error "size 0" "banner size 0x400: the width and height must be 1 to 8192 px, 40 megapixels at most" \
  new banner --size 0x400 --dir "$tmp/designs"
expect_usage_error "size too large" "banner size 9000x400: the width and height must be 1 to 8192 px, 40 megapixels at most" \
  new banner --size 9000x400 --id big --dir "$tmp/designs"
[ ! -e "$tmp/designs/big.json" ] || fail "size too large: wrote a template"

# khung report: its arguments checked before any database is opened, and
# a data folder never made by asking for a report (the counting itself is
# tested in tests/counts).
expect_usage_error "report: bad grouping" "by: 'week' is not one of: unit, day, template" \
  report --data-dir "$tmp/data" --by week
expect_usage_error "report: bad day" "from: '2026-02-30' is not a date YYYY-MM-DD" \
  report --data-dir "$tmp/data" --from 2026-02-30
expect_usage_error "report: no database" "give --data-dir DIR (as khung serve was given) or --database URL" report
expect_usage_error "report: two databases" "--data-dir and --database: give one, not both" \
  report --data-dir "$tmp/data" --database "$tmp/x.sqlite"
"$khung" report --data-dir "$tmp/data" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] && grep -qxF "khung: error: counts database '$tmp/data/counts.sqlite': no such file" "$tmp/err" \
  || fail "report: a folder without counts: exit $rc, $(cat "$tmp/err")"
[ ! -e "$tmp/data" ] || fail "report: made the data folder"

[ $failures = 0 ] && echo "all CLI checks passed"
exit $((failures > 0))
