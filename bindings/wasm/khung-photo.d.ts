// The typed interface of khung-photo.js (the photo unit in WebAssembly).

export interface Placement {
  zoom?: number;      // 1 (the photo just covers the window) to 10; default 1
  offset_x?: number;  // fractions of the window's width, -1 to 1, + moves the photo right; default 0
  offset_y?: number;  // fractions of the window's height, -1 to 1, + moves it down; default 0
  rotate?: number;    // degrees clockwise, -360 to 360; default 0
}

export interface Window {
  shape: 'auto' | 'circle' | 'rect';  // auto: the transparent hole of `over`
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  radius?: number;  // rect's corner radius, px
}

export interface Rgba {
  data: Uint8ClampedArray | Uint8Array;  // straight-alpha RGBA, width * height * 4 bytes
  width: number;
  height: number;
}

export interface KhungPhoto {
  readonly width: number;
  readonly height: number;
  free(): void;
}

export interface KhungTemplate {
  readonly width: number;
  readonly height: number;
  // The window's bounding box on the canvas (for `auto`, the hole found in `over`).
  readonly window: {x: number; y: number; width: number; height: number};
  // Throws Error(message) on a bad placement or width, or a freed handle.
  frame(photo: KhungPhoto, placement?: Placement, output?: {width?: number; flatten?: boolean}): ImageData | Rgba;
  /** The placement with its offsets back where the photo stops moving; it draws the same. */
  settle(photo: KhungPhoto, placement?: Placement): Placement;
  free(): void;
}

export interface Khung {
  // under/over: PNG files of width x height (under may be null). Throws Error(message).
  template(t: {under?: Uint8Array | null; over: Uint8Array; width: number; height: number; window?: Window}): KhungTemplate;
  photo(rgba: Rgba): KhungPhoto;
  // The photo size to decode at: the smallest upright photo covering the window at this placement.
  coverSize(template: KhungTemplate, placement?: Placement): {width: number; height: number};
}

export function loadKhung(source: string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module): Promise<Khung>;
