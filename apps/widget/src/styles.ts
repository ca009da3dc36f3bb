/**
 * Everything the widget looks like, inside its shadow root; nothing here can match outside it. The page's
 * inherited styles stop at `.root`, not at `:host`: a page rule that matches the element itself
 * (`* { letter-spacing: 3px !important }`) outranks `:host { all: initial }` and would reach every bubble.
 * Theme colours arrive as custom properties set on `.root` by the element (`all` leaves those alone).
 */
export const widgetStyles = `
:host{all:initial;display:block}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
.root{all:initial;--cp-primary:#4f46e5;--cp-on-primary:#fff;--cp-accent:#4f46e5;position:fixed;z-index:2147483000;bottom:20px;right:20px;
font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;
-webkit-font-smoothing:antialiased;text-align:left}
.root[data-position=bottom-left]{right:auto;left:20px}
button{font:inherit;color:inherit;cursor:pointer}
:focus-visible{outline:2px solid var(--cp-accent);outline-offset:2px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:relative;display:grid;place-items:center;width:56px;height:56px;padding:0;border:0;border-radius:50%;
background:var(--cp-primary);color:var(--cp-on-primary);box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s ease}
.launcher:hover{transform:scale(1.06)}
.launcher svg{width:26px;height:26px}
.badge{position:absolute;top:-3px;right:-3px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#d1242f;
color:#fff;font-size:12px;font-weight:600;line-height:20px;text-align:center}
.panel{position:absolute;bottom:72px;right:0;display:flex;flex-direction:column;width:380px;max-width:calc(100vw - 40px);
height:640px;max-height:calc(100vh - 112px);overflow:hidden;background:#fff;border-radius:16px;
box-shadow:0 12px 40px rgba(0,0,0,.22);transform-origin:bottom right;animation:cp-in .18s ease-out}
.root[data-position=bottom-left] .panel{right:auto;left:0;transform-origin:bottom left}
.header{display:flex;align-items:center;gap:12px;padding:14px 12px 14px 16px;background:var(--cp-primary);color:var(--cp-on-primary)}
.header :focus-visible{outline-color:var(--cp-on-primary)}
.avatar{flex:none;width:36px;height:36px;border-radius:50%;object-fit:cover;background:rgba(255,255,255,.25)}
.heading{flex:1;min-width:0}
.title{margin:0;font-size:16px;font-weight:600;line-height:1.3;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.subtitle{margin:0;font-size:12px;opacity:.85;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.close{display:grid;place-items:center;width:36px;height:36px;padding:0;border:0;border-radius:8px;background:transparent}
.close:hover{background:rgba(127,127,127,.2)}
.close svg{width:20px;height:20px}
.status{padding:4px 12px;background:#fff8c5;color:#6a5300;font-size:12px;text-align:center}
.status:empty{padding:0}
.body{position:relative;display:flex;flex:1;flex-direction:column;min-height:0;background:#f6f8fa}
.messages{display:flex;flex:1;flex-direction:column;gap:10px;padding:16px;overflow-y:auto;overscroll-behavior:contain}
.message{display:flex;flex-direction:column;align-items:flex-start;max-width:85%;align-self:flex-start}
.message[data-author=member]{align-items:flex-end;align-self:flex-end}
.bubble{padding:9px 13px;border:1px solid #e4e7eb;border-radius:16px 16px 16px 4px;background:#fff;white-space:pre-wrap;
overflow-wrap:anywhere}
.message[data-author=member] .bubble{border-color:transparent;border-radius:16px 16px 4px 16px;background:var(--cp-primary);
color:var(--cp-on-primary)}
.bubble a{color:inherit;text-decoration:underline}
.message[data-status=pending] .bubble{opacity:.7}
.message[data-status=failed] .bubble{border-color:#d1242f;background:#fff;color:#1f2328}
.message[data-status=streaming] .bubble::after{content:"";display:inline-block;width:7px;height:1em;margin-left:2px;
vertical-align:text-bottom;background:currentColor;animation:cp-blink 1s steps(1) infinite}
.meta{margin-top:3px;color:#6e7781;font-size:11px}
.message[data-status=failed] .meta{color:#d1242f}
.link-button{padding:0;border:0;background:none;color:var(--cp-accent);font-size:inherit;text-decoration:underline}
.sources{display:flex;flex-wrap:wrap;gap:2px 8px;margin-top:4px;color:#57606a;font-size:12px}
.excerpt{max-width:100%;margin-top:6px;padding:8px 10px;border-left:3px solid var(--cp-primary);border-radius:4px;
background:#fff;font-size:13px;white-space:pre-wrap;overflow-wrap:anywhere}
.excerpt-where{margin-bottom:4px;color:#6e7781;font-size:11px}
.typing{display:flex;gap:4px;align-self:flex-start;padding:12px 14px;border:1px solid #e4e7eb;border-radius:16px 16px 16px 4px;
background:#fff}
.typing span{width:7px;height:7px;border-radius:50%;background:#8c959f;animation:cp-dot 1.2s infinite ease-in-out}
.typing span:nth-child(2){animation-delay:.2s}
.typing span:nth-child(3){animation-delay:.4s}
.quick-replies{display:flex;flex-wrap:wrap;justify-content:flex-end;gap:6px;padding:0 16px 10px}
.quick-reply{padding:6px 12px;border:1px solid var(--cp-accent);border-radius:16px;background:#fff;color:var(--cp-accent);
font-size:14px}
.quick-reply:hover{background:#f3f4f6}
.state{display:flex;flex:1;flex-direction:column;align-items:center;justify-content:center;gap:12px;padding:24px;
color:#57606a;text-align:center}
.spinner{width:24px;height:24px;border:3px solid #d0d7de;border-top-color:var(--cp-primary);border-radius:50%;
animation:cp-spin .8s linear infinite}
.primary-button{padding:8px 16px;border:0;border-radius:8px;background:var(--cp-primary);color:var(--cp-on-primary);font-weight:600}
.composer{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;border-top:1px solid #e4e7eb;background:#fff}
.input{flex:1;min-height:42px;max-height:140px;margin:0;padding:10px 12px;border:1px solid #d0d7de;border-radius:12px;
background:#fff;color:#1f2328;font:inherit;font-size:16px;line-height:1.35;resize:none}
.input:focus{border-color:var(--cp-accent);outline:none;box-shadow:0 0 0 1px var(--cp-accent)}
.send{display:grid;flex:none;place-items:center;width:42px;height:42px;padding:0;border:0;border-radius:50%;
background:var(--cp-primary);color:var(--cp-on-primary)}
.send:disabled{cursor:default;opacity:.4}
.send svg{width:20px;height:20px}
.counter{padding:0 14px 6px;background:#fff;color:#6e7781;font-size:11px;text-align:right}
@keyframes cp-in{from{opacity:0;transform:translateY(8px) scale(.98)}to{opacity:1;transform:none}}
@keyframes cp-dot{0%,80%,100%{opacity:.3;transform:translateY(0)}40%{opacity:1;transform:translateY(-3px)}}
@keyframes cp-blink{50%{opacity:0}}
@keyframes cp-spin{to{transform:rotate(360deg)}}
@media (max-width:480px){
.root[data-open] .panel{position:fixed;inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}
.root[data-open] .launcher{display:none}
}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation:none!important;transition:none!important}}
@media print{.root{display:none}}
`;
