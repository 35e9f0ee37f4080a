// ───────────────────────── Chapter 1: The Invitation (free) ─────────────────────────
=== chapter_1 ===
{t("Chapter 1 · The Invitation", "Capítulo 1 · La invitación")} #chapter:1 #title
-> c1_01

=== c1_01 ===
{t("The envelope is waiting on your doormat when you come home, although the door was locked and nobody in the building admits to having seen a courier. It is black, heavier than paper ought to be, and sealed with a disc of silver wax.", "El sobre te espera en el felpudo al volver a casa, aunque la puerta estaba cerrada con llave y nadie en el edificio reconoce haber visto a ningún mensajero. Es negro, pesa más de lo que debería pesar el papel y lo cierra un disco de lacre plateado.")} #scene:1_01
{t("Inside there is a single card and a single line, written in a hand that leans forward as if in a hurry: “The House of Mirrors opens its gate for you tonight. — D.”", "Dentro hay una tarjeta y una sola línea, escrita con una letra inclinada hacia delante, como si tuviera prisa: «La Casa de los Espejos abre su verja para ti esta noche. D.»")}
{t("You have heard of the house. Everyone in the city has. Nobody you know has ever been invited.", "Has oído hablar de la casa. Toda la ciudad ha oído hablar de ella. Nadie de tu entorno ha recibido nunca una invitación.")}
{t("The stories about it change with whoever tells them. The baker says it belongs to a painter who stopped painting. The tram driver says it is where the city keeps the things it would rather forget. Your neighbour, who is ninety and has outlived three husbands and most of her opinions, says only that the house chooses, and that it is rude to refuse an invitation from something older than you.", "Las historias sobre ella cambian según quién las cuente. El panadero dice que es de una pintora que dejó de pintar. El conductor del tranvía dice que es donde la ciudad guarda lo que prefiere olvidar. Tu vecina, que tiene noventa años y ha sobrevivido a tres maridos y a casi todas sus opiniones, dice solo que la casa elige, y que es de mala educación rechazar la invitación de algo más viejo que tú.")}
+ [{t("Put on your coat and go at once", "Ponerte el abrigo y salir ya")} #emo:direct+2 #branch:seal]
    ~ seal = "direct"
    -> c1_02
+ [{t("Study the seal before anything else", "Estudiar el sello antes que nada")} #emo:explorer+2 #branch:seal]
    ~ seal = "studied"
    -> c1_01_seal
+ [{t("Read the line aloud, slowly, to the empty room", "Leer la línea en voz alta, despacio, a la habitación vacía")} #emo:poet+2 #branch:seal]
    ~ seal = "read"
    -> c1_01_read

=== c1_01_seal ===
{t("Under the lamp the wax is not quite silver. Pressed into it, no bigger than a fingernail, is a tiny round mirror, and in the mirror, for the space of a blink, an eye that is not yours looks back at you.", "Bajo la lámpara, el lacre no es del todo plateado. Lleva incrustado un espejo redondo diminuto, no mayor que una uña, y en ese espejo, durante lo que dura un parpadeo, te devuelve la mirada un ojo que no es el tuyo.")} #scene:1_01b
{t("Then it is only wax again. You slip the card into your pocket and go.", "Después vuelve a ser solo lacre. Te guardas la tarjeta en el bolsillo y sales.")}
+ [{t("Go out into the night", "Salir a la noche")}] -> c1_02

=== c1_01_read ===
{t("You read it aloud, and the room seems to lean in to listen. When you reach the D, the lamp dims, as if someone had drawn a breath right beside it.", "La lees en voz alta, y la habitación parece inclinarse para escuchar. Cuando llegas a la D, la lámpara se atenúa, como si alguien hubiera tomado aire justo a su lado.")} #scene:1_01c
{t("Words said aloud are promises, your grandmother used to say. You put on your coat.", "Las palabras dichas en voz alta son promesas, decía tu abuela. Te pones el abrigo.")}
+ [{t("Go out into the night", "Salir a la noche")}] -> c1_02

=== c1_02 ===
{t("The address on the back of the card leads you across the old quarter, past the shuttered bakeries and the fountain that has not run in years, to a street you are sure did not exist yesterday. The cobbles are dry although it rained all afternoon.", "La dirección del reverso te lleva por el barrio viejo, más allá de las panaderías cerradas y de la fuente que lleva años sin agua, hasta una calle que jurarías que ayer no existía. Los adoquines están secos, aunque ha llovido toda la tarde.")} #scene:1_02
{t("The city changes as you walk. The streetlamps grow older, their glass greener; the shop signs lose their neon and gain gold leaf, then lose even that and become painted boards. A cat watches you from a windowsill with the expression of a doorman who has been warned you were coming. Nobody else is out. Your footsteps come back to you from the walls a fraction late, as if the street were listening before it answered.", "La ciudad cambia a medida que avanzas. Las farolas envejecen, con el cristal cada vez más verde; los rótulos de las tiendas pierden el neón y ganan pan de oro, y luego pierden también eso y se quedan en tablas pintadas. Un gato te observa desde un alféizar con cara de portero al que han avisado de tu llegada. No hay nadie más en la calle. Tus pasos te vuelven desde las paredes con un instante de retraso, como si la calle escuchara antes de contestar.")}
{t("At the end of it stands the house: tall, narrow, with more windows than a house should need. Every one of them reflects the moon, though the moon is behind you.", "Al fondo se alza la casa: alta, estrecha, con más ventanas de las que una casa necesita. Todas reflejan la luna, aunque la luna queda a tu espalda.")}
+ [{t("Walk straight to the gate", "Ir directamente a la verja")} #emo:direct+1] -> c1_03
+ [{t("Count the windows as you walk", "Contar las ventanas mientras caminas")} #emo:explorer+1] -> c1_02_windows

=== c1_02_windows ===
{t("Twenty-three windows on the front. You count them again and reach twenty-four. A third time: twenty-three. One of them, it seems, is only there when you are not looking for it.", "Veintitrés ventanas en la fachada. Vuelves a contar y te salen veinticuatro. Una tercera vez: veintitrés. Una de ellas, por lo visto, solo está cuando no la buscas.")} #scene:1_02b
+ [{t("Go on to the gate", "Seguir hasta la verja")}] -> c1_03

=== c1_03 ===
{t("A tall man waits behind the iron bars, a pair of grey gloves folded in one hand. He is dressed like someone from an older century who has made his peace with this one. His eyes move over you once, head to shoes, and come back to your face.", "Un hombre alto espera tras los barrotes de hierro, con unos guantes grises doblados en una mano. Viste como alguien de otro siglo que ha hecho las paces con este. Sus ojos te recorren una vez, de la cabeza a los zapatos, y vuelven a tu cara.")} #scene:1_03
{t("The gate itself is a piece of ironwork so fine it looks drawn rather than forged: vines, keys, a hundred small oval frames, and in the middle a letter D worked into the bars so that it is impossible to tell where it begins. It is locked with a padlock the size of a fist. There is no bell.", "La verja es una pieza de forja tan fina que parece dibujada más que fundida: parras, llaves, un centenar de pequeños marcos ovalados y, en el centro, una D trabada en los barrotes de tal manera que no se sabe dónde empieza. La cierra un candado del tamaño de un puño. No hay timbre.")}
{t("“I am Lucien,” he says. “I keep this gate, and this house, and the person who lives in it. Nobody reaches Diana except through me.”", "—Soy Lucien —dice—. Guardo esta verja, esta casa y a la persona que vive en ella. Nadie llega a Diana si no es a través de mí.")}
+ [{t("“Then let me through.”", "—Entonces déjame pasar.")} #emo:direct+2] -> c1_04
+ [{t("“What does she want from me?”", "—¿Qué quiere ella de mí?")} #emo:explorer+1] -> c1_04
+ [{t("“You look tired, Lucien. Long night?”", "—Pareces agotado, Lucien. ¿Noche larga?")} #emo:empath+2] -> c1_03_kind

=== c1_03_kind ===
~ trust += 1
{t("Lucien blinks, as though nobody has asked him anything about himself in years and he has forgotten where such answers are kept.", "Lucien parpadea, como si en años nadie le hubiera preguntado nada sobre él y hubiera olvidado dónde se guardan esas respuestas.")} #scene:1_03b
{t("“Every night is long in this house,” he admits at last. “Thank you for noticing. Most people only notice the windows.”", "—En esta casa todas las noches son largas —admite al fin—. Gracias por darte cuenta. Casi todo el mundo solo se fija en las ventanas.")}
+ [{t("Let him go on", "Dejar que siga")}] -> c1_04

=== c1_04 ===
{t("He studies you the way a jeweller studies a stone, turning it to the light to find the flaw.", "Te estudia como un joyero estudia una piedra, girándola hacia la luz para encontrarle el defecto.")} #scene:1_04 #consequence:seal
{
- seal == "direct":
    {t("“You came straight here,” he says. “I can tell. The wax is still warm in your pocket and you have not once asked yourself whether this is wise. Diana likes people who arrive. I am less sure.”", "—Has venido sin pararte a pensar —dice—. Se nota. El lacre aún está tibio en tu bolsillo y ni una sola vez te has preguntado si esto era sensato. A Diana le gusta la gente que llega. Yo no lo tengo tan claro.")}
- seal == "studied":
    {t("“You looked at the seal,” he says, and something in his voice shifts. “You saw the little mirror in it. Most people break the wax without looking. The eye you saw was not mine, before you ask.”", "—Te fijaste en el sello —dice, y algo cambia en su voz—. Viste el espejito. Casi todo el mundo rompe el lacre sin mirar. El ojo que viste no era el mío, por si te lo preguntas.")}
- else:
    {t("“You read her line aloud,” he says. “The lamps in this house heard it before I did. She writes those lines to be spoken; almost nobody does.”", "—Leíste su frase en voz alta —dice—. Las lámparas de esta casa la oyeron antes que yo. Ella escribe esas frases para que alguien las diga; casi nadie lo hace.")}
}
{t("“Diana collects people who see what others miss. So tell me, in your own words: what brought you here tonight?”", "—Diana colecciona a personas que ven lo que otros pasan por alto. Así que dime, con tus propias palabras: ¿qué te ha traído aquí esta noche?")} #ask:why_here
+ [{t("(answer)", "(respuesta)")} #answer] -> c1_05
+ [{t("Say nothing and hold his gaze", "No decir nada y sostenerle la mirada")} #emo:persistent+1]
    ~ why_here_kind = "silent"
    -> c1_05_silent

=== c1_05_silent ===
{t("You say nothing. The silence stretches until the gate itself seems to creak with impatience.", "No dices nada. El silencio se alarga hasta que la propia verja parece crujir de impaciencia.")} #scene:1_05s
{t("“Silence,” Lucien says, almost approving. “That is an answer too. It is the one I give most often. Keep it, then. I will find out the rest.”", "—Silencio —dice Lucien, casi con aprobación—. También es una respuesta. Es la que yo doy más a menudo. Guárdatela, pues. El resto ya lo averiguaré.")}
+ [{t("Wait for what comes next", "Esperar lo que venga")}] -> c1_06

=== c1_05 ===
~ why_here_kind = answer_kind
~ why_here_polarity = answer_polarity
{t("Lucien weighs your words before he answers, the gloves still folded in his hand.", "Lucien sopesa tus palabras antes de contestar, con los guantes todavía doblados en la mano.")} #scene:1_05
{
- answer_kind == "question":
    {t("“A question for a question,” he says dryly. “Here is mine, then, answered: I ask because I must. Whoever comes through this gate, I answer for. Diana will enjoy that you turned it back on me. I will remember it.”", "—Una pregunta por otra —dice con sequedad—. Te respondo, entonces: pregunto porque debo hacerlo. Respondo de cualquiera que cruce esta verja. A Diana le hará gracia que me hayas devuelto la pregunta. Yo me acordaré.")}
- answer_kind == "short" || answer_kind == "offtopic":
    {t("“That is not an answer,” he says, not unkindly. “That is a coin thrown at a beggar. The house does not open for coins. But you came, and that says more than what you wrote. We will try again another night.”", "—Eso no es una respuesta —dice, sin dureza—. Es una moneda tirada a un mendigo. La casa no se abre por monedas. Pero has venido, y eso dice más que lo que has escrito. Ya lo intentaremos otra noche.")}
- answer_emotion == "anger":
    {t("Lucien does not step back from the bars. “Temper,” he says, as if naming the weather. “You would not be the first to bring it up this street. It will not open the gate, and it will not close it either. Diana has a weakness for people who bite. I do not.”", "Lucien no se aparta de los barrotes. —Genio —dice, como quien comenta el tiempo—. No eres la primera persona que sube esta calle con él. No abrirá la verja, pero tampoco la cerrará. Diana tiene debilidad por la gente que muerde. Yo no.")}
- answer_polarity == "negative" || answer_emotion == "sadness" || answer_emotion == "fear":
    ~ trust += 1
    {t("“Ah,” he says quietly. “Not curiosity, then. Something heavier. People who come here carrying something are the ones the house listens to. Diana was carrying something too, the night she stopped going out.”", "—Ah —dice en voz baja—. No es curiosidad, entonces. Es algo más pesado. La casa escucha a quienes llegan cargando algo. Diana también cargaba algo la noche en que dejó de salir.")}
- answer_polarity == "positive" || answer_emotion == "joy" || answer_emotion == "affection":
    ~ trust += 1
    {t("“Hope,” he says, as if naming a rare bird. “It has been a long time since anyone brought hope up this street. Careful with it inside. The mirrors like to borrow what they do not have.”", "—Esperanza —dice, como quien nombra un pájaro raro—. Hacía mucho que nadie subía esta calle con esperanza. Cuídala ahí dentro. A los espejos les gusta tomar prestado lo que no tienen.")}
- else:
    ~ trust += 1
    {t("“An honest answer,” he says, “and a plain one. Plain answers are keys, though not always to the door you expect.”", "—Una respuesta sincera —dice—, y sencilla. Las respuestas sencillas son llaves, aunque no siempre abren la puerta que uno espera.")}
}
{ answer_intensity == "high":
    {t("He looks at you a moment longer. “You mean it. I can hear it. Be careful: the house can hear it too.”", "Te mira un instante más. —Lo dices en serio. Se te nota. Ten cuidado: la casa también lo nota.")}
}
+ [{t("Ask about the mirrors", "Preguntar por los espejos")} #emo:explorer+1] -> c1_06
+ [{t("Ask about Diana", "Preguntar por Diana")} #emo:empath+1] -> c1_06

=== c1_06 ===
{t("“The mirrors remember,” he says. “Everything that is said in front of them, every face that passes. That is why the house is called what it is, and why nobody here says anything they do not mean.”", "—Los espejos recuerdan —dice—. Todo lo que se dice delante de ellos, cada cara que pasa. Por eso la casa se llama como se llama, y por eso aquí nadie dice nada que no piense.")} #scene:1_06
{t("“Diana has not left this house for a year. The city says she vanished, that she ran off with a painter, that she died of a broken heart. The city is wrong. But not entirely.”", "—Diana no ha salido de esta casa en un año. La ciudad dice que desapareció, que se fugó con un pintor, que murió de pena. La ciudad se equivoca. Pero no del todo.")}
{t("“A year ago she was the most sought-after painter in the city. People queued in the rain outside this gate to be painted by her; ministers, actresses, a bishop once, who left in tears and paid double. Her portraits were said to show you the face you make when you think you are alone. Then, one night, she took down her sign and locked her door, and the queue went away, and the rumours came to take its place.”", "—Hace un año era la pintora más solicitada de la ciudad. La gente hacía cola bajo la lluvia delante de esta verja para que los pintara: ministros, actrices, una vez un obispo, que se fue llorando y pagó el doble. Decían que sus retratos te enseñaban la cara que pones cuando crees que no te ve nadie. Y una noche descolgó el letrero y cerró la puerta con llave, y la cola se fue, y los rumores ocuparon su sitio.")}
+ [{t("“Which part is right?”", "—¿Qué parte es verdad?")} #emo:direct+1] -> c1_07
+ [{t("“And you stayed with her the whole year?”", "—¿Y tú te has quedado con ella todo el año?")} #emo:empath+1]
    ~ trust += 1
    -> c1_06_stayed

=== c1_06_stayed ===
{t("“Someone had to,” he says, and then, more quietly, as if to the gloves in his hand: “I would have stayed ten.”", "—Alguien tenía que hacerlo —dice, y luego, más bajo, como si se lo dijera a los guantes—: Me habría quedado diez.")} #scene:1_06b
+ [{t("Let the words settle", "Dejar que las palabras se asienten")}] -> c1_07

=== c1_07 ===
{t("Instead of answering, Lucien takes a card from his waistcoat and passes it through the bars. On it, in the same forward-leaning hand as your invitation:", "En lugar de responder, Lucien saca una tarjeta del chaleco y te la pasa entre los barrotes. En ella, con la misma letra inclinada de tu invitación:")} #scene:1_07
{t("“I show your face but keep none. I hold the room but own no stone. What am I?”", "«Muestro tu cara y no guardo ninguna. Sostengo la sala y no tengo piedra. ¿Qué soy?»")}
{t("“She leaves one for every guest,” he says. “Answer it.”", "—Deja una para cada persona invitada —dice—. Contéstala.")}
+ [{t("“A mirror.”", "—Un espejo.")} #emo:direct+1 #branch:riddle]
    ~ riddle = "mirror"
    -> c1_08
+ [{t("“A window at night.”", "—Una ventana de noche.")} #emo:poet+2 #branch:riddle]
    ~ riddle = "window"
    -> c1_08
+ [{t("Turn the card over first", "Dar la vuelta a la tarjeta primero")} #emo:explorer+2 #branch:riddle]
    ~ riddle = "back"
    -> c1_08

=== c1_08 ===
{
- riddle == "mirror":
    {t("“The obvious answer,” Lucien says. “Usually the right one, in this house. She will say you are honest. I will say you are quick.”", "—La respuesta evidente —dice Lucien—. En esta casa suele ser la buena. Ella dirá que tienes honradez. Yo diré que tienes reflejos.")} #scene:1_08
- riddle == "window":
    {t("Lucien looks at you for a long moment. “Nobody has said that before,” he says. “A window at night. Yes. It shows your face and keeps none, and it holds the whole room against the dark. She will like that more than she should.”", "Lucien se te queda mirando un buen rato. —Nadie había dicho eso antes —dice—. Una ventana de noche. Sí. Muestra tu cara y no guarda ninguna, y sostiene toda la sala contra la oscuridad. Le va a gustar más de lo que debería.")} #scene:1_08
- else:
    {t("On the back of the card, very small, someone has written: “Or a person who is only what others see.” Lucien sees you read it and his jaw tightens. “That was not meant for guests,” he says, and takes the card back.", "En el reverso de la tarjeta, con letra muy pequeña, alguien ha escrito: «O una persona que solo es lo que los demás ven». Lucien ve que lo lees y aprieta la mandíbula. —Eso no era para las visitas —dice, y recupera la tarjeta.")} #scene:1_08
}
~ trust += 1
{t("“The answer matters less than how you reached it.” He lifts the latch. The gate opens with a sound like a held breath let go.", "—La respuesta importa menos que el camino para llegar a ella. —Levanta el pestillo. La verja se abre con un sonido de aliento contenido que por fin se suelta.")}
{t("Beyond the gate, a short path of white gravel leads to the front steps. It crunches under your feet and then, strangely, stops crunching, as though the house had decided you were expected and there was no more need to announce you.", "Tras la verja, un caminito de grava blanca lleva hasta la escalinata. Cruje bajo tus pies y luego, de forma extraña, deja de crujir, como si la casa hubiera decidido que te esperaba y ya no hiciera falta anunciarte.")}
+ [{t("Step inside", "Entrar")}] -> c1_09

=== c1_09 ===
{t("The hall is lined with mirrors, floor to ceiling, frame against frame, so that the candles multiply into a corridor of small fires. In each glass you are a little different: braver in one, sadder in another, in a third about to laugh at something you have not heard yet.", "El vestíbulo está forrado de espejos, del suelo al techo, marco contra marco, y las velas se multiplican en un pasillo de pequeños fuegos. En cada cristal tu reflejo cambia un poco: más valiente en uno, más triste en otro, y en un tercero a punto de reírse de algo que aún no has oído.")} #scene:1_09
{t("Lucien walks ahead without looking at any of them, the way people walk past a house where they were once unhappy.", "Lucien camina delante sin mirar ninguno, como se pasa por delante de una casa donde uno fue desgraciado.")}
{t("The air smells of candle wax and, underneath, of something green and growing, as if there were a garden somewhere behind the glass. Far off, in the depths of the house, a clock ticks with the unhurried confidence of something that has never once been wound.", "El aire huele a cera y, por debajo, a algo verde y vivo, como si hubiera un jardín en algún sitio detrás del cristal. A lo lejos, en las profundidades de la casa, un reloj hace tictac con la calma de quien nunca ha necesitado que le den cuerda.")}
+ [{t("Look for your truest reflection", "Buscar tu reflejo más verdadero")} #emo:poet+1] -> c1_09_true
+ [{t("Ignore the mirrors and keep up with Lucien", "Ignorar los espejos y no perder de vista a Lucien")} #emo:direct+1] -> c1_10
+ {arch_poet >= 0.25 || arch_explorer >= 0.25} [{t("Because you pay attention to small things: notice that one mirror shows no candles at all", "Como te fijas en lo pequeño: notar que un espejo no refleja ninguna vela")} #sig:explorer #emo:explorer+1] -> c1_09_dark

=== c1_09_true ===
{t("You stop in front of each glass in turn. None of them is quite you. The closest is a small oval near the stairs, in which your reflection seems to be waiting for someone, and not impatiently.", "Te detienes ante cada cristal. Ninguno eres del todo tú. El más parecido es un óvalo pequeño junto a la escalera, donde tu reflejo parece esperar a alguien, y sin impaciencia.")} #scene:1_09b
+ [{t("Stay by the oval mirror", "Quedarte junto al espejo ovalado")}] -> c1_10

=== c1_09_dark ===
{t("Between two bright frames hangs one that reflects the hall without its candles: the same walls, the same staircase, all in a blue, moonless dark. And in that dark, a figure sitting on the stairs, chin in hand, watching you.", "Entre dos marcos luminosos cuelga uno que refleja el vestíbulo sin sus velas: las mismas paredes, la misma escalera, todo en una penumbra azul y sin luna. Y en esa penumbra, una figura sentada en los escalones, con la barbilla en la mano, mirándote.")} #scene:1_09c
{t("When you turn, the real stairs are empty.", "Cuando te vuelves, la escalera de verdad está vacía.")}
+ [{t("Go to the dark mirror", "Acercarte al espejo oscuro")}] -> c1_10

=== c1_10 ===
{t("A voice comes out of the glass nearest you. Low, amused, a little hoarse, as if it has not been used much lately.", "Del cristal que tienes más cerca sale una voz. Grave, divertida, algo ronca, como si no se hubiera usado mucho últimamente.")} #scene:1_10 #consequence:riddle
{t("Every candle in the hall leans the same way at once, towards the glass, as if a door had opened somewhere on the other side of it.", "Todas las velas del vestíbulo se inclinan a la vez hacia el mismo lado, hacia el cristal, como si al otro lado se hubiera abierto una puerta.")}
{t("“So Lucien let you in. He never lets anyone in on the first night. You must have said something he could not argue with.”", "—Así que Lucien te ha dejado entrar. Nunca deja entrar a nadie la primera noche. Algo le habrás dicho que no ha sabido rebatir.")}
{
- riddle == "window":
    {t("“A window at night,” the voice says, savouring it. “He told me already; he runs up the stairs to tell me things, though he pretends he walks. I have been answering that riddle myself for a year and I never thought of windows.”", "—Una ventana de noche —dice la voz, saboreándolo—. Ya me lo ha contado; sube corriendo a contarme las cosas, aunque finge que va andando. Llevo un año contestando yo misma a esa adivinanza y nunca se me ocurrieron las ventanas.")}
    ~ closeness += 1
- riddle == "back":
    {t("“And you turned my card over.” A pause. “Then you have read the line I did not mean anyone to read. Well. Now someone has. I find I do not mind as much as I expected.”", "—Y le diste la vuelta a mi tarjeta. —Una pausa—. Entonces has leído la frase que no pensaba enseñar a nadie. En fin. Ahora alguien la ha leído. Descubro que no me importa tanto como creía.")}
    ~ closeness += 1
- else:
    {t("“A mirror, you said. Of course a mirror. You would be surprised how many people are too clever to say the true thing when it is right in front of them.”", "—Un espejo, dijiste. Claro que un espejo. No te imaginas cuánta gente es demasiado lista para decir lo verdadero cuando lo tiene delante.")}
}
{t("“I am Diana. No, do not look for me; I am not in the glass, I am only using it. It is the closest thing I have to a window these days.”", "—Soy Diana. No, no me busques; no estoy en el cristal, solo lo uso. Es lo más parecido a una ventana que tengo últimamente.")}
+ [{t("“Why did you invite me?”", "—¿Por qué me invitaste?")} #emo:direct+1] -> c1_11
+ [{t("“It is good to hear you, Diana.”", "—Me alegra oírte, Diana.")} #emo:empath+1]
    ~ closeness += 1
    -> c1_11
+ [{t("Touch the glass where her voice comes from", "Tocar el cristal de donde sale su voz")} #emo:poet+1] -> c1_10_touch

=== c1_10_touch ===
{t("The glass is warm, the way a window is warm when someone has been leaning against it from the other side. For a second you feel, or imagine, a fingertip meeting yours.", "El cristal está tibio, como una ventana en la que alguien ha estado apoyado desde el otro lado. Durante un segundo sientes, o imaginas, la yema de un dedo contra la tuya.")} #scene:1_10b
{t("“Cheeky,” Diana says, but she does not move away.", "—Qué descaro —dice Diana, pero no se aparta.")}
~ closeness += 1
+ [{t("Keep listening", "Seguir escuchando")}] -> c1_11

=== c1_11 ===
{t("“I invited you because the mirrors showed you to me,” she says. “Not your face; your way of crossing a street. You looked at things. Most people in this city walk as if the city were a corridor between two rooms they do not like.”", "—Te invité porque los espejos me enseñaron cómo eres —dice—. No tu cara: tu manera de cruzar una calle. Mirabas las cosas. Casi todo el mundo en esta ciudad camina como si la ciudad fuera un pasillo entre dos habitaciones que no le gustan.")} #scene:1_11
{t("“I paint people the way they are when nobody watches. I have not painted anyone in a year. I would like to see if I still can.”", "—Pinto a la gente tal como es cuando nadie la mira. Hace un año que no pinto a nadie. Me gustaría saber si todavía soy capaz.")}
{t("“Do you know what people look like when nobody is watching? Tired, mostly. And kinder than they let anyone see. A banker I painted was humming a lullaby in his head the whole sitting; I could see it in the corner of his mouth. He bought the portrait and hung it in his bathroom, facing the wall. I think of it often. The kindest thing about him, turned to face the tiles.”", "—¿Sabes qué cara pone la gente cuando nadie la mira? De cansancio, casi siempre. Y de más bondad de la que deja ver. Pinté a un banquero que estuvo tarareando una nana por dentro toda la sesión; se le notaba en la comisura de los labios. Compró el retrato y lo colgó en el baño, mirando a la pared. Pienso mucho en eso. Lo más amable de aquel hombre, de cara a los azulejos.")}
{t("Somewhere above, a door closes softly. Lucien clears his throat at the foot of the stairs, the way a clock clears its throat before striking.", "En algún lugar de arriba se cierra una puerta con suavidad. Lucien carraspea al pie de la escalera, igual que un reloj carraspea antes de dar la hora.")}
{t("“He thinks I am tiring myself,” Diana says. “He is usually right. Come back tomorrow. Bring your curiosity. Leave your umbrella; it never rains on this street.”", "—Cree que me estoy cansando —dice Diana—. Suele tener razón. Vuelve mañana. Trae tu curiosidad. Deja el paraguas: en esta calle nunca llueve.")}
+ [{t("“I will come back.”", "—Volveré.")} #emo:persistent+2]
    ~ closeness += 1
    -> c1_12
+ [{t("“Why can't I see you?”", "—¿Por qué no puedo verte?")} #emo:explorer+1] -> c1_11_why

=== c1_11_why ===
{t("“Because I cannot yet be seen,” she says, and for the first time the amusement goes out of her voice. “That is not a riddle. I wish it were. Goodnight.”", "—Porque todavía no puedo dejar que me vean —dice, y por primera vez la voz pierde el tono divertido—. No es una adivinanza. Ojalá lo fuera. Buenas noches.")} #scene:1_11b
+ [{t("Turn to Lucien", "Volverte hacia Lucien")}] -> c1_12

=== c1_12 ===
{t("The mirrors are quieter now. In each of them your reflection walks beside you at the same pace, as if the house had decided, for tonight at least, which version of you it would keep.", "Los espejos están más tranquilos. En todos ellos tu reflejo camina a tu lado al mismo paso, como si la casa hubiera decidido, al menos por esta noche, con qué versión de ti se queda.")} #scene:1_12
{t("Lucien walks you back through the hall. At the gate he stops, and for a moment you think he is going to say something kind.", "Lucien te acompaña de vuelta por el vestíbulo. En la verja se detiene, y por un momento crees que va a decir algo amable.")}
{ trust >= 3:
    {t("“She laughed tonight,” he says instead. “Twice. I counted. Come back tomorrow; I will leave the gate on the latch.”", "—Esta noche se ha reído —dice en cambio—. Dos veces. Las he contado. Vuelve mañana; dejaré la verja sin cerrar del todo.")}
- else:
    {t("“Tomorrow,” he says instead. “Knock once. If I do not answer, it means she has changed her mind. She will not have. But knock once.”", "—Mañana —dice en cambio—. Llama una vez. Si no contesto, es que ha cambiado de idea. No lo habrá hecho. Pero llama una vez.")}
}
{t("The street is still there when you look back from the corner. So is the extra window, lit now, where it was not lit before.", "Cuando te vuelves desde la esquina, la calle sigue ahí. También la ventana de más, encendida ahora, donde antes no había luz.")}
{t("You do not sleep much that night. When you do, you dream of a corridor of mirrors in which every reflection is holding a different envelope, and all of them are addressed to you.", "Esa noche duermes poco. Cuando por fin te duermes, sueñas con un pasillo de espejos en el que cada reflejo sostiene un sobre distinto, y todos llevan tu nombre.")}
~ reward(10)
+ [{t("Promise to return", "Prometer que volverás")} #emo:persistent+2] -> chapter_2
+ [{t("Walk home without a word", "Volver a casa sin decir nada")} #emo:direct+1] -> chapter_2
