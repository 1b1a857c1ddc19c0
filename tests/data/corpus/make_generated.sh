#!/usr/bin/env bash
# Makes the GENERATED part of the footage corpus (see ../SOURCES.md): one small file for
# each kind of footage no public real file was found for, made with the ffmpeg CLI from
# its test sources. Each file is named gen-*.  Run from anywhere; needs ffmpeg and python3.
set -euo pipefail
cd "$(dirname "$0")"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
SRC="testsrc2=size=720x576:rate=25,format=yuv420p"
# Interlaced MPEG-2 in MPEG-TS (broadcast / DVD-style SD camcorder): both fields coded
# as one frame picture, top field first, 25i, with MPEG audio.
ff -f lavfi -i "testsrc2=size=720x576:rate=50,tinterlace=interleave_top,format=yuv420p,setfield=tff" \
   -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 3 \
   -c:v mpeg2video -flags +ilme+ildct -top 1 -b:v 1500k -g 12 -bf 2 -c:a mp2 -b:a 128k gen-interlaced-mpeg2.ts
# Camcorder DV (PAL, interlaced, bottom field first) with PCM audio, raw DV stream.
ff -f lavfi -i "testsrc2=size=720x576:rate=25,format=yuv420p" -f lavfi -i "sine=frequency=1000:sample_rate=48000" \
   -t 0.4 -c:v dvvideo -c:a pcm_s16le -ac 2 -f dv gen-camcorder.dv
# AV1 in WebM (libaom) with Opus, 2 s.
ff -f lavfi -i "testsrc2=size=640x360:rate=30" -f lavfi -i "sine=frequency=660:sample_rate=48000" -t 2 \
   -c:v libaom-av1 -cpu-used 8 -crf 40 -g 30 -c:a libopus gen-av1.webm
# HEVC in MP4 with B-frames (x265 writes an edit list for the reorder delay).
ff -f lavfi -i "testsrc2=size=640x360:rate=30" -t 2 -c:v libx265 -x265-params log-level=none:bframes=3:keyint=30 \
   -tag:v hvc1 gen-hevc-bframes.mp4
# Motion JPEG in AVI (many surveillance DVRs and old cameras).
ff -f lavfi -i "testsrc2=size=640x480:rate=15" -f lavfi -i "sine=frequency=500:sample_rate=8000" -t 2 \
   -c:v mjpeg -q:v 5 -c:a pcm_u8 gen-mjpeg.avi
# FFmpeg's own MPEG-4 part 2 in AVI with B-frames (header count differs from the packets).
ff -f lavfi -i "testsrc2=size=320x240:rate=25" -t 4 -c:v mpeg4 -bf 2 -q:v 4 gen-mpeg4-bframes.avi
# Sparse AVI: Cinepak where frames were skipped; the AVI muxer writes empty chunks for them,
# so the header counts more frames than hold pictures.
ff -f lavfi -i "testsrc2=size=320x240:rate=15" -t 4 -vf "select='not(eq(mod(n\,5)\,2))'" \
   -fps_mode passthrough -c:v cinepak gen-sparse-cinepak.avi
# Variable frame rate (phone-style): frame times drift 20-50 ms apart, H.264 with B-frames.
ff -f lavfi -i "testsrc2=size=480x270:rate=30" -t 3 -vf "setpts='N*0.033+0.012*sin(N)'/TB" \
   -fps_mode vfr -c:v libx264 -bf 2 -g 20 -video_track_timescale 90000 gen-vfr.mp4
# MPEG-TS whose video packets carry no PTS on some PES headers (as some DVRs write):
# made from an H.264 TS with B-frames by turning the PTS/DTS of every third video PES into stuffing.
ff -f lavfi -i "testsrc2=size=352x288:rate=25,format=yuv420p" -t 3 -c:v libx264 -g 12 -bf 2 _pts.ts
python3 - <<'PY'
data = bytearray(open("_pts.ts", "rb").read())
seen = 0
for pos in range(0, len(data) - 188 + 1, 188):
    pkt = data[pos:pos + 188]
    if pkt[0] != 0x47 or not (pkt[1] & 0x40):  # payload unit start only
        continue
    pid = ((pkt[1] & 0x1F) << 8) | pkt[2]
    off = 4
    if pkt[3] & 0x20:
        off += 1 + pkt[4]
    if pkt[off:off + 3] != b"\x00\x00\x01" or not (0xE0 <= pkt[off + 3] <= 0xEF):
        continue  # not a video PES
    seen += 1
    if seen % 3 != 2:
        continue
    flags = off + 7
    hdr_len = pkt[off + 8]
    data[pos + flags] &= 0x3F  # PTS_DTS_flags = 00
    for i in range(hdr_len):  # the old timestamps become stuffing bytes
        data[pos + off + 9 + i] = 0xFF
open("gen-ts-missing-pts.ts", "wb").write(bytes(data))
PY
rm -f _pts.ts
ls -la gen-*
