// Sends a form with XMLHttpRequest, which reports upload progress (fetch
// does not): `upload(url, form, progress)` starts it and answers
// {done, cancel}. done resolves to {status, body: Blob} for any HTTP answer
// and rejects with an AbortError after cancel() or a NetworkError when the
// connection fails; progress(sent, total) follows the bytes sent.
export function upload(url, form, progress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open('POST', url);
    xhr.responseType = 'blob';
    xhr.upload.addEventListener('progress', (e) => progress(e.loaded, e.lengthComputable ? e.total : 0));
    xhr.upload.addEventListener('load', () => progress(1, 1));
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response }));
    xhr.addEventListener('abort', () => reject(new DOMException('upload cancelled', 'AbortError')));
    xhr.addEventListener('error', () => reject(new DOMException('upload failed', 'NetworkError')));
    xhr.send(form);
  });
  return { done, cancel: () => xhr.abort() };
}
