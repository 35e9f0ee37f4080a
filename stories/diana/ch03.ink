// ───────────────────────── Chapter 3: The Voice Behind the Door (free) ─────────────────────────
=== chapter_3 ===
{t("Chapter 3 · The Voice Behind the Door", "Capítulo 3 · La voz tras la puerta")} #chapter:3 #title
-> c3_01

=== c3_01 ===
{t("Lucien leaves you at the foot of the stairs with a candle and no advice. The stairs are longer than the house is tall; you stop counting at ninety. At the top there is a single door, painted the dark green of deep water, with a brass lock that matches your key.", "Lucien te deja al pie de la escalera con una vela y ningún consejo. La escalera es más larga de lo que la casa es alta; dejas de contar en noventa. Arriba hay una sola puerta, pintada del verde oscuro del agua honda, con una cerradura de latón que encaja con tu llave.")} #scene:3_01
{t("On the way up you pass landings you do not remember from the outside of the house: one with a rocking horse under a dust sheet, one with a window that looks out on a sea the city does not have, one that is nothing but a chair, a lamp and a book left open face down, as if its reader had gone to answer the door a year ago and not come back.", "Por el camino pasas por rellanos que no recuerdas haber visto desde fuera: uno con un caballito de balancín bajo una sábana, otro con una ventana que da a un mar que la ciudad no tiene, otro que no es más que una silla, una lámpara y un libro abierto boca abajo, como si quien lo leía hubiera ido a abrir la puerta hace un año y no hubiera vuelto.")}
{t("The key turns easily, as though it has been waiting. But the door opens only the width of a hand and then stops against a chain. Beyond it: candlelight, the smell of turpentine and oranges, and a rustle, as of someone sitting down very close to the other side.", "La llave gira sin esfuerzo, como si llevara tiempo esperando. Pero la puerta solo se abre un palmo y se detiene contra una cadena. Al otro lado: luz de velas, olor a trementina y a naranjas, y un roce, como de alguien que se sienta muy cerca, justo detrás.")}
+ [{t("Say good evening", "Dar las buenas noches")} #emo:empath+1] -> c3_02
+ [{t("Wait for her to speak first", "Esperar a que ella hable primero")} #emo:persistent+2] -> c3_02
+ {arch_empath >= 0.3 || mood == "warm"} [{t("Because you can hear when someone is nervous: promise to stay on this side of the door", "Como notas cuando alguien está nervioso: prometer que no pasarás de este lado de la puerta")} #sig:empath #emo:empath+2]
    ~ closeness += 1
    -> c3_01_promise

=== c3_01_promise ===
{t("“You promise that before I have even asked,” says the voice behind the door. Something in it unknots. “Then I will take the chain off another night. Not tonight. But I will, now.”", "—Me lo prometes antes de que te lo pida —dice la voz tras la puerta. Algo en ella se desata—. Entonces quitaré la cadena otra noche. Hoy no. Pero ahora sí la quitaré.")} #scene:3_01b
+ [{t("Sit down on your side of the door", "Sentarte en tu lado de la puerta")}] -> c3_02

=== c3_02 ===
{t("The voice is the one from the mirror, low and amused, but closer now, with breath in it.", "Es la voz del espejo, grave y divertida, pero ahora más cerca, con aliento.")} #scene:3_02 #consequence:music
{
- music == "hummed":
    {t("“So you are the one who hums,” Diana says. “I have been playing those four notes every night for a year, and every night they stopped in the same place. Then someone downstairs finished them. I nearly fell off the piano stool.”", "—Así que eres quien tararea —dice Diana—. Llevo un año tocando esas cuatro notas cada noche, y cada noche se paraban en el mismo sitio. Y de pronto alguien, abajo, las terminó. Casi me caigo del taburete.")}
    ~ closeness += 1
- music == "followed":
    {t("“You are the one who came up the stairs after my music,” Diana says. “I heard you on the landing, and I heard Lucien catch you. I have not laughed like that since the spring. He has not forgiven either of us.”", "—Eres quien subió la escalera detrás de mi música —dice Diana—. Te oí en el rellano, y oí a Lucien alcanzarte. No me reía así desde la primavera. Él todavía no nos ha perdonado a ninguno de los dos.")}
- else:
    {t("“You heard my piano and stayed where you were,” Diana says. “Do you know how rare that is? Everyone who has ever come here broke the third rule within the hour. Lucien will be unbearable about it. He will say he always knew.”", "—Oíste mi piano y te quedaste donde estabas —dice Diana—. ¿Sabes lo raro que es eso? Todo el que ha venido aquí se ha saltado la tercera norma antes de una hora. Lucien se pondrá insoportable. Dirá que siempre lo supo.")}
    ~ trust += 1
}
{ rose_worn:
    {t("“And you wore the rose up my stairs. I drew that pin for this house once; half the city has bought one since, and keeps it in a drawer. You wore yours. I can see it through the crack, catching the candle.”", "—Y has subido mi escalera con la rosa puesta. Dibujé ese broche para esta casa hace tiempo; media ciudad lo ha comprado desde entonces y lo tiene en un cajón. Tú te lo has puesto. Lo veo por la rendija, brillando con la vela.")}
    ~ closeness += 1
}
{ note_to_diana_kind == "question":
    {t("“And I owe you an answer. You asked me: ‘{said(note_to_diana_quote)}’ Here is the honest one: not yet. Ask me again when I can see your face.”", "—Y te debo una respuesta. Me preguntaste: «{said(note_to_diana_quote)}». Esta es la sincera: todavía no. Vuelve a preguntármelo cuando pueda verte la cara.")}
}
{ mood == "tense":
    {t("She pauses. “You sound on edge. Good. This house rewards people who stay alert.”", "Hace una pausa. —Se te nota en tensión. Bien. Esta casa premia a quien está alerta.")}
}
{t("“Lucien thinks I should not trust you,” she adds. “Lucien thinks that about the sunrise.”", "—Lucien cree que no debería fiarme de ti —añade—. Lucien piensa eso hasta del amanecer.")}
+ [{t("“Why me, really?”", "—¿Por qué yo, de verdad?")} #emo:direct+1] -> c3_03
+ [{t("“Are you well, Diana?”", "—¿Estás bien, Diana?")} #emo:empath+2]
    ~ closeness += 1
    -> c3_02_well
+ {arch_poet >= 0.3 || dominant == "poet"} [{t("Because words stay with you: tell her that her voice sounds like the notes on the stairs", "Como las palabras se te quedan dentro: decirle que su voz suena como las notas de la escalera")} #sig:poet #emo:poet+2]
    ~ closeness += 1
    -> c3_02_poet

=== c3_02_well ===
{t("Nobody speaks for a while. A brush is set down on a table.", "Durante un rato nadie habla. Alguien deja un pincel sobre una mesa.")} #scene:3_02b
{t("“Nobody asks me that,” she says at last. “They ask whether I am eating, whether I am sleeping, whether I have finished the painting for the countess. Lucien asks whether I am warm enough. Nobody asks whether I am well, because they are afraid I will tell them.”", "—Nadie me pregunta eso —dice por fin—. Me preguntan si como, si duermo, si he terminado el cuadro de la condesa. Lucien me pregunta si tengo frío. Nadie me pregunta si estoy bien, porque les da miedo que se lo cuente.")}
{t("“I am not. But I am better than I was on Tuesday. You may take that as a compliment; you arrived on Wednesday.”", "—No lo estoy. Pero estoy mejor que el martes. Puedes tomártelo como un cumplido: llegaste el miércoles.")}
+ [{t("Listen", "Escuchar")}] -> c3_03

=== c3_02_poet ===
{t("A silence, and then a sound you did not expect: Diana, laughing into her sleeve to muffle it.", "Un silencio, y luego un sonido que no esperabas: Diana, riéndose contra la manga para amortiguarlo.")} #scene:3_02c
{t("“That is either the nicest thing anyone has said to me this year or the most rehearsed,” she says. “I am going to decide it was the nicest. I have so little use for the other kind.”", "—O es lo más bonito que me han dicho este año o lo más ensayado —dice—. Voy a decidir que es lo más bonito. Del otro tipo ya tengo de sobra.")}
+ [{t("Listen", "Escuchar")}] -> c3_03

=== c3_03 ===
{t("“I invited you because the mirrors showed you to me,” she says, “and because I need someone who will not run. Everyone runs from this house eventually. The maids ran. My brother ran. The man with the good coat ran, though he keeps coming back to the gate to shout at Lucien about money.”", "—Te invité porque los espejos me enseñaron cómo eres —dice—, y porque necesito a alguien que no huya. Todo el mundo acaba huyendo de esta casa. Huyeron las criadas. Huyó mi hermano. Huyó el señor del abrigo bueno, aunque sigue volviendo a la verja a gritarle a Lucien por dinero.")} #scene:3_03
{t("“I paint people as they are when nobody is watching. That was my gift, and it was also the trouble. People paid a great deal to be painted by me, and then they did not like what they saw. One of them did not like it so much that he has been trying to buy the house ever since, to own the walls the portraits hang on.”", "—Pinto a la gente tal como es cuando nadie la mira. Ese era mi don, y también el problema. La gente pagaba muchísimo para que la pintara, y luego no le gustaba lo que veía. A uno le gustó tan poco que lleva desde entonces intentando comprar la casa, para ser dueño de las paredes donde cuelgan los retratos.")}
{t("“The painting is the easy part, you know. The hard part is the looking. You have to look at someone for hours as if they were a landscape, without wanting anything from them, without deciding what they are. Most people cannot bear to be looked at like that. Most painters cannot bear to look like that. I could. It is the only thing I was ever truly good at, and it is the thing that shut me in here.”", "—Pintar es lo fácil, ¿sabes? Lo difícil es mirar. Tienes que mirar a alguien durante horas como si fuera un paisaje, sin querer nada de esa persona, sin decidir qué es. Casi nadie soporta que lo miren así. Casi ningún pintor soporta mirar así. Yo sí. Es lo único que he sabido hacer bien de verdad, y es lo que me ha encerrado aquí.")}
+ [{t("“Is that why the faces are covered?”", "—¿Por eso están tapadas las caras?")} #emo:explorer+1] -> c3_03_silk
+ [{t("“Nobody should own a house to own a picture.”", "—Nadie debería comprar una casa para quedarse con un cuadro.")} #emo:direct+1] -> c3_04

=== c3_03_silk ===
{t("“The silks were Lucien's idea,” she says. “He said if I could not stop painting the truth, he could at least stop people looking at it. He is very practical. It is the most romantic thing about him, and he would hate me for saying so.”", "—Las sedas fueron idea de Lucien —dice—. Dijo que si yo no podía dejar de pintar la verdad, él al menos podía impedir que la gente la mirara. Es muy práctico. Es lo más romántico que tiene, y me odiaría si me oyera decirlo.")} #scene:3_03b
+ [{t("Smile at the door", "Sonreír a la puerta")}] -> c3_04

=== c3_04 ===
{t("“Let us make a trade,” Diana says. Her voice is very close to the crack now; you could touch the door and feel her shoulder on the other side. “Tell me something true that you have never told anyone. Not a confession, nothing dreadful. Just true. And I will tell you one in return.”", "—Hagamos un trato —dice Diana. Ahora su voz está pegada a la rendija; si tocaras la puerta notarías su hombro al otro lado—. Cuéntame algo verdadero que nunca le hayas contado a nadie. No una confesión, nada terrible. Solo verdadero. Y yo te cuento otra cosa a cambio.")} #scene:3_04 #ask:a_true_thing
{t("“It is how I used to begin a sitting,” she adds. “Before I picked up a brush. A true thing for a true thing. People are much easier to paint once they have told you something they did not mean to.”", "—Así empezaba antes cada sesión —añade—. Antes de coger el pincel. Una verdad por otra. La gente es mucho más fácil de pintar cuando te ha contado algo que no pensaba contar.")}
+ [{t("(answer)", "(respuesta)")} #answer #branch:secret]
    ~ secret_shared = true
    -> c3_05
+ [{t("Keep your secret", "Guardar tu secreto")} #emo:persistent+1 #branch:secret]
    ~ secret_shared = false
    ~ a_true_thing_kind = "silent"
    -> c3_05

=== c3_05 ===
{ secret_shared:
    ~ a_true_thing_kind = answer_kind
    ~ a_true_thing_polarity = answer_polarity
}
{t("On the other side of the door, a brush that had been moving stops.", "Al otro lado de la puerta, un pincel que se movía se detiene.")} #scene:3_05
{
- a_true_thing_kind == "silent":
    {t("“You keep it,” she says. “Good. A secret given away on the third night is not worth much. I will tell you mine anyway; I have kept it long enough.”", "—Te lo guardas —dice—. Bien. Un secreto que se regala la tercera noche no vale gran cosa. Yo te contaré el mío de todos modos; ya lo he guardado bastante.")}
- a_true_thing_kind == "question":
    {t("“You answer my trade with a question,” she says, amused. “A merchant's trick. I will take it as a down payment. You still owe me something true.”", "—Respondes a mi trato con una pregunta —dice, divertida—. Truco de mercader. Lo acepto como señal. Todavía me debes algo verdadero.")}
    ~ secret_shared = false
- a_true_thing_kind == "short" || a_true_thing_kind == "offtopic":
    {t("“{said(a_true_thing_quote)},” she repeats. “That is not a secret, that is a shrug with letters in it. I will not hold it against you. Secrets are shy things; they come out when they are ready.”", "—«{said(a_true_thing_quote)}» —repite—. Eso no es un secreto, es encogerse de hombros con letras. No te lo tendré en cuenta. Los secretos son tímidos; salen cuando quieren.")}
    ~ secret_shared = false
- answer_emotion == "anger":
    ~ secret_shared = false
    {t("“That is not a secret,” she says, after a moment. “That is a door slammed in my face, and I know the sound; I live behind one. I will not hold it against you. Angry people tell the truth eventually. I will wait.”", "—Eso no es un secreto —dice, al cabo de un momento—. Es un portazo, y conozco el ruido: vivo detrás de una puerta. No te lo tendré en cuenta. La gente enfadada acaba diciendo la verdad. Esperaré.")}
- answer_polarity == "negative" || answer_emotion == "sadness" || answer_emotion == "fear":
    ~ closeness += 2
    {t("For a long moment she says nothing. When she speaks again her voice has lost all its amusement. “Thank you,” she says. “I know what it costs to say a thing like that to a door. I will keep it safe. This house is good at keeping things; it is the only thing it is good at.”", "Durante un buen rato no dice nada. Cuando vuelve a hablar, la voz ha perdido toda la guasa. —Gracias —dice—. Sé lo que cuesta decirle algo así a una puerta. Lo guardaré bien. Esta casa sabe guardar cosas; es lo único que sabe hacer.")}
- answer_polarity == "positive" || answer_emotion == "joy" || answer_emotion == "affection":
    ~ closeness += 2
    {t("She laughs, softly. “A happy secret. Do you know, nobody ever gives me those? People bring their sorrows up these stairs as if I were a well. You brought me something bright. I am going to keep it next to the window.”", "Se ríe, bajito. —Un secreto alegre. ¿Sabes que nadie me trae de esos? La gente sube sus penas por esta escalera como si yo fuera un pozo. Tú me has traído algo luminoso. Voy a ponerlo junto a la ventana.")}
- else:
    ~ closeness += 1
    {t("“That is true,” she says. “I can tell, because it is not interesting enough to be invented. True things rarely are. Thank you.”", "—Eso es verdad —dice—. Se nota, porque no es lo bastante llamativo para ser inventado. Las cosas verdaderas casi nunca lo son. Gracias.")}
}
{ answer_intensity == "high" && secret_shared:
    {t("“And you meant every word. I could hear it in how fast you wrote.”", "—Y lo decías con toda el alma. Se notaba en lo deprisa que escribías.")}
}
{t("“Here is mine. The missing portrait was not stolen. It was hidden, by someone who loves me.”", "—Ahí va el mío. El retrato que falta no lo robaron. Lo escondió alguien que me quiere.")}
{t("She says it quickly, the way people pull out a splinter, and then she is quiet, and you can hear her breathing on the other side of the wood, a little too fast.", "Lo dice deprisa, como quien se saca una astilla, y luego se calla, y se la oye respirar al otro lado de la madera, un poco demasiado rápido.")}
+ [{t("“Lucien?”", "—¿Lucien?")} #emo:direct+1] -> c3_06
+ [{t("“Why would anyone hide a portrait?”", "—¿Por qué iba alguien a esconder un retrato?")} #emo:explorer+1] -> c3_06

=== c3_06 ===
{t("“I did not say who,” she says, which is an answer. “Because it showed too much. Some paintings are portraits. Some are maps. That one was a map, and it leads to the only thing I am afraid of.”", "—No he dicho quién —responde, y eso ya es una respuesta—. Porque mostraba demasiado. Algunos cuadros son retratos. Otros son mapas. Ese era un mapa, y lleva a lo único que me da miedo.")} #scene:3_06
{t("“I painted it the night before I stopped going out. I did not know what I had painted until it was finished. Then I looked at it and I could not go through a door for a year. Not even this one, and it is my own.”", "—Lo pinté la noche antes de dejar de salir. No supe lo que había pintado hasta que estuvo terminado. Entonces lo miré y no fui capaz de cruzar una puerta en un año. Ni siquiera esta, y es la mía.")}
{t("The brush starts moving again on the other side of the door, slow, in long strokes, the sound of someone painting not to make anything but to keep their hands from shaking.", "Al otro lado de la puerta el pincel vuelve a moverse, despacio, con trazos largos: el sonido de alguien que no pinta para hacer nada, sino para que no le tiemblen las manos.")}
+ [{t("“What did you paint?”", "—¿Qué pintaste?")} #emo:explorer+1] -> c3_06_what
+ [{t("Put your hand flat against the door", "Apoyar la mano abierta en la puerta")} #emo:empath+1]
    ~ closeness += 1
    -> c3_06_hand

=== c3_06_what ===
{t("“If I could say it, I would not have needed to paint it,” Diana says. “That is the whole trouble with painters. Lucien says I should have been a lawyer. Lawyers say things and then nothing happens.”", "—Si pudiera decirlo, no habría tenido que pintarlo —dice Diana—. Ese es todo el problema de los pintores. Lucien dice que tendría que haber estudiado Derecho. Los abogados dicen cosas y luego no pasa nada.")} #scene:3_06b
+ [{t("Laugh despite yourself", "Reírte sin querer")}] -> c3_07

=== c3_06_hand ===
{t("You lay your palm flat against the green paint. After a moment the wood gives a little, the way wood does when someone leans against it from the other side. Neither of you says anything. It is the best conversation you have had in months.", "Apoyas la palma sobre la pintura verde. Al cabo de un momento la madera cede un poco, como cede cuando alguien se apoya en ella desde el otro lado. Ninguno de los dos dice nada. Es la mejor conversación que has tenido en meses.")} #scene:3_06c
+ [{t("Stay like that a while", "Quedarte así un rato")}] -> c3_07

=== c3_07 ===
{t("Footsteps on the stairs, measured, unhurried: the footsteps of someone who has climbed them a thousand times with a tray. Lucien appears at the top, carrying tea for two. He sees the door open the width of a hand, and you sitting beside it, and he goes very still.", "Pasos en la escalera, medidos, sin prisa: los pasos de alguien que la ha subido mil veces con una bandeja. Lucien aparece arriba con té para dos. Ve la puerta abierta un palmo, y a ti en el suelo junto a ella, y se queda inmóvil.")} #scene:3_07
{t("“Tea for two,” Diana says from inside, very innocently. “How did you know, Lucien?”", "—Té para dos —dice Diana desde dentro, con mucha inocencia—. ¿Cómo lo has sabido, Lucien?")}
{t("Lucien looks from the door to you and back again, and you can watch him decide, in the space of a breath, between a dozen things to say, each more cutting than the last. What he finally says is: “The pot is hot. Mind your hands.”", "Lucien mira de la puerta a ti y de ti a la puerta, y puedes ver cómo elige, en lo que dura una respiración, entre una docena de frases, a cuál más cortante. Al final lo que dice es: —La tetera quema. Cuidado con las manos.")}
+ [{t("Explain yourself calmly", "Explicarte con calma")} #emo:empath+1] -> c3_08
+ [{t("“It was her choice to open it.”", "—Abrirla fue decisión suya.")} #emo:direct+1] -> c3_08
+ {arch_persistent >= 0.3 || dominant == "persistent"} [{t("Because you never leave halfway: stay seated and wait him out", "Como nunca dejas nada a medias: no moverte del suelo y aguantar su mirada")} #sig:persistent #emo:persistent+2]
    ~ trust += 1
    -> c3_07_wait

=== c3_07_wait ===
{t("You stay where you are. He stands where he is. The candle between you burns down a visible quarter of an inch. Then Lucien sighs, the sigh of a man conceding a chess game he could have dragged out another hour.", "Te quedas donde estás. Él se queda donde está. La vela que hay entre los dos se consume un buen trozo. Luego Lucien suspira, con el suspiro de quien concede una partida de ajedrez que podría haber alargado otra hora.")} #scene:3_07b
{t("“You do not move,” he says. “Neither do I. That is something, at least.”", "—No te mueves —dice—. Yo tampoco. Algo es algo.")}
+ [{t("Accept a cup", "Aceptar una taza")}] -> c3_08

=== c3_08 ===
{t("Lucien kneels to set the tray down.", "Lucien se arrodilla para dejar la bandeja.")} #scene:3_08 #consequence:key
{ key_offered:
    {t("He sets it beside you, not between you and the door. A small thing. It is not small. “You offered me the key,” he says, pouring. “Last night. You had it in your hand and you held it out. I have thought about that all day.”", "La deja a tu lado, no entre tú y la puerta. Un detalle pequeño. No es pequeño. —Me ofreciste la llave —dice mientras sirve—. Anoche. La tenías en la mano y me la tendiste. He pasado el día pensando en eso.")}
- else:
    {t("He sets it between you and the door, like a wall, and pours with great precision. “You kept the key,” he says. “It was yours to keep. I only wonder what else you will keep that was meant for someone else.”", "La deja entre tú y la puerta, como un muro, y sirve con mucha precisión. —Te quedaste la llave —dice—. Era tuya. Solo me pregunto qué más te quedarás que fuera para otra persona.")}
}
{ trust >= 4:
    {t("He slides the second cup through the crack in the door without looking, and a hand that is not his takes it. Their fingers must touch. Neither of them says anything about it.", "Pasa la segunda taza por la rendija sin mirar, y una mano que no es la suya la recoge. Los dedos de los dos tienen que rozarse. Ninguno dice nada.")}
}
{t("The tea tastes of smoke and bergamot. Diana drinks hers on the other side of the door, and for a few minutes the three of you are simply three people having tea, which none of you, you suspect, has been in a long time.", "El té sabe a humo y a bergamota. Diana se toma el suyo al otro lado de la puerta, y durante unos minutos los tres sois sencillamente tres personas tomando el té, cosa que ninguno, sospechas, había sido en mucho tiempo.")}
{t("“He puts too much milk in mine,” Diana remarks through the crack. “He has done it for eleven years. I have never told him. It would break his heart, and there is so little of it left unbroken.”", "—A la mía le echa demasiada leche —comenta Diana por la rendija—. Lleva once años haciéndolo. Nunca se lo he dicho. Le rompería el corazón, y le queda muy poco sin romper.")}
{t("Lucien, pouring, does not pause at all, which is how you know he heard every word and has known for eleven years.", "Lucien, que está sirviendo, no se detiene en absoluto, y así sabes que lo ha oído todo y que lo sabe desde hace once años.")}
+ [{t("Drink the tea", "Beber el té")}] -> c3_09

=== c3_09 ===
{t("When the cups are empty, something slides under the door: an envelope, sealed in the same silver wax as your invitation, with the little mirror in it.", "Cuando las tazas quedan vacías, algo se desliza bajo la puerta: un sobre, sellado con el mismo lacre plateado de tu invitación, con el espejito incrustado.")} #scene:3_09 #consequence:secret
{t("Your name is written on the front. You did not tell her your name. You did not tell Lucien either. The ink is not quite dry.", "En el anverso está escrito tu nombre. No le has dicho tu nombre. A Lucien tampoco. La tinta no está del todo seca.")}
{ secret_shared:
    {t("“You gave me something true,” Diana says, “so here is the next true thing, in writing. Open it only when you are ready to see me. Not before. You will know when.”", "—Me has dado algo verdadero —dice Diana—, así que aquí va la siguiente verdad, por escrito. Ábrela solo cuando sientas que puedes verme. No antes. Sabrás cuándo.")}
- else:
    {t("“You kept your secret, so I will keep part of mine,” Diana says. “It is in here. Open it only when you are ready to see me. Not before. And perhaps by then you will trust me with something too.”", "—Te guardaste tu secreto, así que yo me guardo parte del mío —dice Diana—. Está aquí dentro. Ábrela solo cuando sientas que puedes verme. No antes. Y quizá para entonces tú también me confíes algo.")}
}
~ unlock("diana_letter")
+ [{t("Put the letter away, unopened", "Guardar la carta sin abrir")} #emo:persistent+1 #branch:letter]
    ~ letter = "sealed"
    -> c3_10
+ [{t("Hold it to the candle and try to read through the paper", "Ponerla al trasluz de la vela e intentar leer a través del papel")} #emo:explorer+1 #branch:letter]
    ~ letter = "candle"
    -> c3_09_candle
+ [{t("Open it now", "Abrirla ahora mismo")} #emo:direct+2 #branch:letter]
    ~ letter = "opened"
    -> c3_09_open

=== c3_09_candle ===
{t("Against the flame the paper shows only a shadow: a few lines of writing and, below them, something drawn, a shape like a door. You cannot read a word. When you lower the letter, you realise the house has gone very quiet, as if it had been watching you do it.", "Al trasluz de la llama, el papel solo deja ver una sombra: unas líneas de texto y, debajo, algo dibujado, una forma como de puerta. No lees ni una palabra. Al bajar la carta, te das cuenta de que la casa se ha quedado muy callada, como si te hubiera estado mirando.")} #scene:3_09b
+ [{t("Put it away", "Guardarla")}] -> c3_10

=== c3_09_open ===
{t("You break the wax. The sheet inside is blank, except for two words in the forward-leaning hand, so fresh they are still drying: “Not yet.”", "Rompes el lacre. La hoja de dentro está en blanco, salvo dos palabras con la letra inclinada, tan recientes que aún se están secando: «Todavía no».")} #scene:3_09c
{t("From behind the door comes a sigh that is mostly a laugh. “I did say,” says Diana. “Keep it anyway. Letters in this house are patient. They finish themselves when the reader is ready.”", "Tras la puerta se oye un suspiro que es casi una risa. —Ya te lo dije —dice Diana—. Guárdala de todos modos. Las cartas de esta casa tienen paciencia. Se terminan solas cuando llega su momento.")}
+ [{t("Fold it carefully and put it away", "Doblarla con cuidado y guardarla")}] -> c3_10

=== c3_10 ===
{t("On the way down, Lucien speaks without turning his head. “There is a garden behind the house. She used to paint in it at night. It opens only to her circle, the few she chooses, and I am the one who decides who is ready to walk there.”", "Al bajar, Lucien habla sin volver la cabeza. —Detrás de la casa hay un jardín. Ella pintaba allí por las noches. Solo se abre a su círculo, a las pocas personas que elige, y yo soy quien decide quién puede pasear por él.")} #scene:3_10
{t("The stairs are shorter going down. They always are in this house, he tells you, as though the house were in more of a hurry to let people go than to let them in. Halfway, he stops on a landing and looks out of a window at a garden you have not seen, silver lawns and dark hedges and, in the middle, the glint of water.", "La escalera es más corta de bajada. En esta casa siempre lo es, te dice, como si la casa tuviera más prisa por dejar salir a la gente que por dejarla entrar. A mitad de camino se detiene en un rellano y mira por una ventana hacia un jardín que no has visto: praderas plateadas, setos oscuros y, en el centro, un brillo de agua.")}
{
- trust >= 5:
    {t("“I have decided about you,” he says at the gate. “I decided on the stairs, if you want to know. Do not make me regret it.”", "—Ya he decidido sobre ti —dice en la verja—. Lo decidí en la escalera, por si quieres saberlo. No hagas que me arrepienta.")}
- trust >= 2:
    {t("“I have almost decided about you,” he says at the gate. “Almost is further than anyone has come in a year.”", "—Casi he decidido sobre ti —dice en la verja—. Casi es más lejos de lo que ha llegado nadie en un año.")}
- else:
    {t("“I have not decided about you,” he says at the gate. “She has. That is usually worse for everybody, but it is her house.”", "—No he decidido nada sobre ti —dice en la verja—. Ella sí. Eso suele ser peor para todos, pero la casa es suya.")}
}
~ reward(15)
+ [{t("Thank him", "Darle las gracias")} #emo:empath+1] -> vip_gate
+ [{t("“I will be back tomorrow.”", "—Mañana vuelvo.")} #emo:persistent+1] -> vip_gate

// ───────────────────────── VIP gate ─────────────────────────
=== vip_gate ===
{ vip(): -> chapter_4 }
{t("The garden gate is at the back of the house, behind the kitchen, and it is locked with a silver chain. Lucien shakes his head. “Only Diana's circle walks the night garden. That is her rule, not mine, and it is the only one she has never broken. Join the circle, and the chain will fall.”", "La verja del jardín está en la parte de atrás, detrás de la cocina, cerrada con una cadena de plata. Lucien niega con la cabeza. —Solo el círculo de Diana pasea por el jardín nocturno. Esa norma es suya, no mía, y es la única que nunca se ha saltado. Únete al círculo y la cadena caerá.")} #scene:gate_vip #gate:vip
{t("Above you, a window on the top floor is lit. A shadow stands in it, watching the garden gate, and does not move away.", "Arriba, una ventana del último piso está encendida. Una sombra se asoma a ella, mira la verja del jardín y no se aparta.")}
{t("Through the bars you can see a little of the garden: a path of pale stones, a hedge taller than a person, and white flowers, closed tight, hundreds of them, all turned towards the house as though they were waiting for someone to walk among them.", "Entre los barrotes se ve un poco del jardín: un sendero de piedras claras, un seto más alto que una persona y flores blancas, cerradas, cientos, todas vueltas hacia la casa como si esperaran a que alguien pasara entre ellas.")}
+ [{t("Try the gate again", "Probar la verja otra vez")}] -> vip_gate
