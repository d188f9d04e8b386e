// The console's only style sheet and script, inlined, and the Content-Security-Policy that admits exactly them.
import { createHash } from 'node:crypto';

// Colours checked for WCAG AA: body #1b1b1b, muted #4a4a4a, links/primary #0a58a8 and danger #a3161a, each on white
// (and white on the buttons) at 7:1 or better; the focus ring #0a58a8 is 7:1 against white.
export const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f4f5f7}
header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;justify-content:space-between;padding:.75rem 1rem;background:#fff;border-bottom:1px solid #c9ccd1}
header .brand{color:#1b1b1b;font-weight:700;text-decoration:none}
header form{margin:0}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem;list-style:none;margin:0;padding:0}
nav a{display:inline-block;padding:.5rem .75rem;border-radius:6px;color:#0a58a8;font-weight:600;text-decoration:none;min-height:44px;line-height:28px}
nav a[aria-current=page]{background:#0a58a8;color:#fff}
.skip{position:absolute;left:-999px}
.skip:focus{left:.5rem;top:.5rem;background:#fff;padding:.5rem;z-index:1}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:0 0 .5rem}
a{color:#0a58a8}
.card{background:#fff;border:1px solid #c9ccd1;border-radius:8px;padding:1rem;margin:0 0 1rem}
.field{margin:0 0 .9rem}
.field label,.label{display:block;font-weight:600;margin:0 0 .25rem}
.copy{display:flex;gap:.5rem}
.copy textarea{flex:1;min-width:0;min-height:44px;resize:none;field-sizing:content;word-break:break-all;font:15px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:.6rem .5rem;border:1px solid #6b6f76;border-radius:6px;background:#fafafa;color:#1b1b1b}
button,.button{font:inherit;font-weight:600;padding:.6rem 1rem;border-radius:6px;border:2px solid #0a58a8;background:#fff;color:#0a58a8;cursor:pointer;min-height:44px}
button.primary{background:#0a58a8;color:#fff}
button.danger{border-color:#a3161a;color:#a3161a}
button:hover{filter:brightness(.95)}
:focus-visible{outline:3px solid #0a58a8;outline-offset:2px}
input:focus-visible{outline-offset:0}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.actions form{margin:0}
.time{font-size:2rem;font-variant-numeric:tabular-nums;font-weight:700;margin:0}
progress{width:100%;height:1.1rem;accent-color:#0a58a8}
.notice{border-left:4px solid #0a58a8;background:#eaf2fb;padding:.6rem .8rem;border-radius:4px;margin:0 0 1rem}
.notice.bad{border-color:#a3161a;background:#fbeaea}
.notice.good{border-color:#1d6b2f;background:#e8f5ec}
.muted{color:#4a4a4a}
.list{list-style:none;margin:0;padding:0}
.list li{margin:0 0 .75rem}
.list a{font-weight:600;word-break:break-all}
.login input{width:100%;font:inherit;padding:.6rem;border:1px solid #6b6f76;border-radius:6px;margin:0 0 1rem}
.value{word-break:break-all}
.scroll{overflow-x:auto}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid #c9ccd1;vertical-align:top}
th{font-weight:600;background:#eef0f3}
td{overflow-wrap:break-word}
.name{word-break:break-all}
.badge{display:inline-block;padding:0 .45rem;border-radius:4px;border:1px solid currentColor;font-size:.85rem;font-weight:600;white-space:nowrap}
.badge.good{color:#1d6b2f}
.badge.bad{color:#a3161a}
.badge.warn{color:#7a4a00}
.badge.info{color:#4a4a4a}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;word-break:break-word}
.form label,.form .label{display:block;font-weight:600;margin:.75rem 0 .25rem}
.form input[type=text],.form input[type=password],.form input[type=number],.form input[type=search],.form select,.form textarea{width:100%;font:inherit;padding:.5rem;border:1px solid #6b6f76;border-radius:6px;background:#fff;color:#1b1b1b}
.form textarea{min-height:5rem}
.form .check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.5rem 0}
.form .check input{width:1.2rem;height:1.2rem}
.form .hint{color:#4a4a4a;font-size:.9rem;margin:.2rem 0 0}
.form fieldset{border:1px solid #c9ccd1;border-radius:6px;margin:1rem 0;padding:.25rem .75rem .75rem}
.form legend{font-weight:600;padding:0 .25rem}
.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end}
.filters>div{flex:1 1 10rem}
.filters label{margin-top:0}
.event pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0;font-size:.85rem}
.attention{list-style:none;padding:0;margin:0}
.attention li{border-left:4px solid #a3161a;background:#fbeaea;padding:.5rem .75rem;margin:0 0 .5rem;border-radius:4px}
.attention li.warn{border-color:#7a4a00;background:#fdf3e3}
.attention li.info{border-color:#0a58a8;background:#eaf2fb}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem;margin:0 0 1rem}
.grid .card{margin:0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:break-word}
a.button{display:inline-block;text-decoration:none;line-height:1.5;text-align:center}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:640px){table.stack thead{position:absolute;left:-9999px}table.stack,table.stack tbody,table.stack tr,table.stack td{display:block}table.stack tr{border-bottom:1px solid #c9ccd1;padding:.4rem 0}table.stack td{border:0;padding:.15rem 0}table.stack td::before{content:attr(data-label) ": ";font-weight:600}}
@media (max-width:480px){main{padding:.5rem}header{padding:.5rem}header nav{order:3;width:100%}nav a{padding:.5rem .3rem;font-size:.95rem}dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.4rem}.card{padding:.75rem}.copy{flex-direction:column}.actions{flex-direction:column}.actions button{width:100%}h1{font-size:1.25rem}}
`;

// Counts down from the server's own "remaining" (no client clock involved), re-reads the status every 10 s, and copies.
export const SCRIPT = `
(function(){
  var root=document.getElementById('challenge');
  document.querySelectorAll('button[data-copy]').forEach(function(b){
    b.hidden=false;
    b.addEventListener('click',function(){
      var input=document.getElementById(b.getAttribute('data-copy'));
      var done=function(){b.textContent='Copied';document.getElementById('announce').textContent=b.getAttribute('aria-label')+': copied';setTimeout(function(){b.textContent='Copy'},2000)};
      if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(input.value).then(done,function(){input.select();document.execCommand('copy');done()})}
      else{input.select();document.execCommand('copy');done()}
    });
  });
  if(!root)return;
  var status=root.getAttribute('data-status');
  if(status!=='pending')return;
  var total=Number(root.getAttribute('data-total-ms'));
  var deadline=performance.now()+Number(root.getAttribute('data-remaining-ms'));
  var time=document.getElementById('remaining'),bar=document.getElementById('progress'),pct=document.getElementById('percent');
  var pollUrl=root.getAttribute('data-poll');
  function fmt(ms){var s=Math.max(0,Math.ceil(ms/1000));return Math.floor(s/60)+':'+String(s%60).padStart(2,'0')}
  var asked=false;
  function tick(){
    var left=Math.max(0,deadline-performance.now());
    time.textContent=fmt(left);
    bar.value=left/1000;
    pct.textContent=Math.round(100*left/total)+'%';
    if(left===0&&!asked){asked=true;poll()}
  }
  function poll(){
    fetch(pollUrl,{credentials:'same-origin',headers:{accept:'application/json'}}).then(function(r){
      if(r.status===410||r.status===401){location.reload();return}
      if(!r.ok)return;
      return r.json().then(function(j){
        if(j.status!==status){location.reload();return}
        var server=j.time_remaining_seconds*1000,left=deadline-performance.now();
        if(Math.abs(server-left)>2000)deadline=performance.now()+server;
        var last=document.getElementById('last-check');
        if(last&&j.last_check_at)last.textContent=j.last_check_at.slice(11,19)+' UTC';
      });
    }).catch(function(){});
  }
  tick();
  setInterval(tick,1000);
  setInterval(poll,10000);
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const CSP = [
  "default-src 'none'", `style-src ${hash(CSS)}`, `script-src ${hash(SCRIPT)}`, "connect-src 'self'", "img-src 'self'",
  "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');
