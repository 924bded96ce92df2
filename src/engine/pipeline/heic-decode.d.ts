// Types for heic-decode 2.x (the package ships none): libheif compiled to WASM.
declare module 'heic-decode' {
  interface DecodedImage {
    width: number
    height: number
    /** RGBA, 8 bits per channel, row-major. */
    data: Uint8ClampedArray
  }
  function decode(input: { buffer: Uint8Array | ArrayBuffer }): Promise<DecodedImage>
  export default decode
}
