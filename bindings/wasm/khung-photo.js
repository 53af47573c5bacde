// Khung's photo unit in WebAssembly (khung-photo.wasm, built by the `wasm`
// CMake preset from libframe's sources): frames a decoded photo between a
// template's layers below and above it, with the same pixels as the native
// library. A hand-written glue: the module imports only two functions, and
// emscripten's own glue is larger and cannot fetch the file under node.
//
//   const khung = await loadKhung('/static/khung-photo.wasm');
//   const t = khung.template({under: null, over: overPng, width: 1080, height: 1080, window: {shape: 'auto'}});
//   const p = khung.photo(ctx.getImageData(0, 0, w, h));
//   const out = t.frame(p, {zoom: 1.2, offset_x: 0, offset_y: 0, rotate: 0}, {width: 1080, flatten: true});
//   t.free(); p.free();

const SHAPES = {auto: 0, circle: 1, rect: 2};

// `source`: the module's URL (a string or URL), its bytes (ArrayBuffer or a
// typed array) or a compiled WebAssembly.Module.
export async function loadKhung(source) {
  let memory = null;
  const bytes = () => new Uint8Array(memory.buffer);
  const view = () => new DataView(memory.buffer);
  // All the module imports: memory growth (views are made afresh after
  // every call anyway) and exit, which only an abort calls.
  const imports = {
    env: {emscripten_notify_memory_growth: () => {}},
    wasi_snapshot_preview1: {
      proc_exit: (code) => {
        throw new Error(`khung-photo: aborted (${code})`);
      },
    },
  };
  let instance;
  if (source instanceof WebAssembly.Module) {
    instance = await WebAssembly.instantiate(source, imports);
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    ({instance} = await WebAssembly.instantiate(source, imports));
  } else {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`khung-photo: ${source}: HTTP ${response.status}`);
    // Streaming compiles while the bytes arrive; it needs application/wasm.
    if (WebAssembly.instantiateStreaming && response.headers.get('Content-Type') === 'application/wasm') {
      ({instance} = await WebAssembly.instantiateStreaming(response, imports));
    } else {
      ({instance} = await WebAssembly.instantiate(await response.arrayBuffer(), imports));
    }
  }
  const m = instance.exports;
  memory = m.memory;
  m._initialize();

  // One slot for the error message a failing export leaves (char**).
  const errorSlot = m.khung_alloc(4);
  const call = (fn, ...args) => {
    view().setUint32(errorSlot, 0, true);
    const result = fn(...args, errorSlot);
    const message = view().getUint32(errorSlot, true);
    if (message) {
      const b = bytes();
      let end = message;
      while (b[end]) ++end;
      const text = new TextDecoder().decode(b.subarray(message, end));
      m.khung_free(message);
      throw new Error(text);
    }
    return result;
  };
  // Copies `data` into the module; the pointer is freed by the caller.
  const copyIn = (data) => {
    const ptr = m.khung_alloc(data.length);
    bytes().set(data, ptr);
    return ptr;
  };
  const placementArgs = (p = {}) => [p.zoom ?? 1, p.offset_x ?? 0, p.offset_y ?? 0, p.rotate ?? 0];
  const live = (handle, what) => {
    if (!handle.ptr) throw new Error(`${what}: already freed`);
    return handle.ptr;
  };

  class KhungPhoto {
    constructor(ptr, width, height) {
      this.ptr = ptr;
      this.width = width;
      this.height = height;
    }
    free() {
      if (this.ptr) m.khung_image_free(this.ptr);
      this.ptr = 0;
    }
  }

  class KhungTemplate {
    constructor(ptr, width, height) {
      this.ptr = ptr;
      this.width = width;
      this.height = height;
      const out = m.khung_alloc(16);
      m.khung_template_window(ptr, out);
      const v = view();
      // The window's bounding box on the canvas (for `auto`: the hole found in `over`).
      this.window = {x: v.getInt32(out, true), y: v.getInt32(out + 4, true),
                     width: v.getInt32(out + 8, true), height: v.getInt32(out + 12, true)};
      m.khung_free(out);
    }
    // The framed photo: {data: Uint8ClampedArray RGBA, width, height} (an
    // ImageData where there is one). output.width resizes it; output.flatten
    // composites it onto white, as a JPEG would keep it.
    frame(photo, placement = {}, output = {}) {
      const hasWidth = output.width !== undefined && output.width !== null;
      const image = call(m.khung_frame, live(this, 'template'), live(photo, 'photo'), ...placementArgs(placement),
                         hasWidth ? 1 : 0, hasWidth ? output.width : 0, output.flatten ? 1 : 0);
      try {
        const width = m.khung_image_width(image), height = m.khung_image_height(image);
        const ptr = m.khung_image_pixels(image);
        const data = new Uint8ClampedArray(bytes().subarray(ptr, ptr + width * height * 4));
        return typeof ImageData === 'function' ? new ImageData(data, width, height) : {data, width, height};
      } finally {
        m.khung_image_free(image);
      }
    }
    // The placement with its offsets brought back to where the photo stops
    // moving (the library's settle): it draws the same as `placement`.
    settle(photo, placement = {}) {
      const out = m.khung_alloc(8);
      try {
        call(m.khung_settle, live(this, 'template'), live(photo, 'photo'), ...placementArgs(placement), out);
        const v = view();
        return {...placement, offset_x: v.getFloat32(out, true), offset_y: v.getFloat32(out + 4, true)};
      } finally {
        m.khung_free(out);
      }
    }
    free() {
      if (this.ptr) m.khung_template_free(this.ptr);
      this.ptr = 0;
    }
  }

  return {
    // under: PNG bytes or null (nothing below the photo); over: PNG bytes;
    // both width x height. window.shape 'auto' finds the hole of `over`;
    // 'circle' and 'rect' take x, y, width, height (and radius).
    template({under = null, over, width, height, window = {shape: 'auto'}}) {
      const shape = SHAPES[window.shape ?? 'auto'];
      if (shape === undefined) throw new Error(`window shape '${window.shape}': expected auto, circle or rect`);
      if (!over) throw new Error('over.png: missing');
      const underPtr = under ? copyIn(under) : 0, overPtr = copyIn(over);
      try {
        const ptr = call(m.khung_template_new, underPtr, under ? under.length : 0, overPtr, over.length,
                         width, height, shape, window.x ?? 0, window.y ?? 0, window.width ?? 0,
                         window.height ?? 0, window.radius ?? 0);
        return new KhungTemplate(ptr, width, height);
      } finally {
        m.khung_free(overPtr);
        if (underPtr) m.khung_free(underPtr);
      }
    },
    // The photo's straight-alpha RGBA pixels (an ImageData fits), copied
    // into the module once.
    photo({data, width, height}) {
      if (!Number.isInteger(width) || !Number.isInteger(height) || data.length !== width * height * 4)
        throw new Error(`photo: ${data.length} bytes for ${width}x${height} RGBA pixels`);
      const image = call(m.khung_image_new, width, height);
      bytes().set(data, m.khung_image_pixels(image));
      return new KhungPhoto(image, width, height);
    },
    // The smallest upright photo that covers the template's window at this
    // placement without enlarging: what to decode the photo at.
    coverSize(template, placement = {}) {
      const out = m.khung_alloc(8);
      try {
        call(m.khung_cover_size, live(template, 'template'), ...placementArgs(placement), out);
        return {width: view().getInt32(out, true), height: view().getInt32(out + 4, true)};
      } finally {
        m.khung_free(out);
      }
    },
  };
}
